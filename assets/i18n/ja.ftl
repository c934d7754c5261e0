## 日本語: 本人の携帯電話に表示されるページだけ（窓口の画面は韓国語・英語・中国語）。
phone-passed-title = 認証結果が届きました
phone-passed-text = ありがとうございます。受付にお戻りください。
phone-not-passed-title = 認証が完了しませんでした
phone-not-passed-text = 受付に戻ってスタッフにお知らせください。
phone-not-accepted-title = このコードはもう使われていません
phone-not-accepted-text = 受付に戻ってスタッフにお知らせください。
phone-unknown-title = このリンクは無効です
phone-unknown-text = 受付にお戻りください。
phone-sim-title = 顔認証（シミュレーター）
phone-sim-text = これは APIMart シミュレーターです。実際の流れではここで顔のライブネス検査を行います。
phone-sim-pass = 合格
phone-sim-fail = 不合格
phone-sim-session = シミュレーションのセッション { $id }
phone-sim-expired = このリンクは期限切れです。スタッフに新しいコードを頼んでください。
phone-sim-finished = この認証はすでに完了しています。
phone-sim-unknown = このリンクは無効です。

## 同意書（本人が読んで答えるもの、控えにも載るもの）。スタジオが名前・目的・期間・連絡先を設定で入れる。
consent-doc-title = 同意書：顔認証とご本人の姿の AI 動画
consent-doc-intro = { $studio } は、何かを送信する前にご本人の同意をお願いしています。各項目を読み、ご自身で答えてください。同意しないこともできます。必須項目に同意しない場合、このセッションはここで終わり、あなたに関する情報は何も送信されません。
consent-doc-biometric-title = 1. 顔認証（生体情報）— 必須
consent-doc-biometric-text = あなたが実在の人物であり、写真の本人であることを確かめるため、あなたの携帯電話が APIMart を通じて ByteDance（Volcano Engine）と顔のライブネス検査を行います。検査は携帯電話と ByteDance の間で行われ、{ $studio } が受け取るのは結果だけで、顔のデータは受け取りません。
consent-doc-likeness-title = 2. ご本人の姿の AI 動画 — 必須
consent-doc-likeness-text = { $studio } は、本日撮影または選んだ写真と動画を APIMart と ByteDance に送ります。そこで審査を経て、あなたの姿の AI 動画を作るための参照として保管されます。目的：{ $purpose }。期間：{ $period }。
consent-doc-keep-title = 3. 本日以降の写真と動画の保管 — 任意
consent-doc-keep-text = 再度のご来訪をお願いせずに動画を作れるよう、{ $studio } は同意が撤回されるまで写真と動画の控えを保管できます。同意しない場合、控えはセッションの { $days } 日後に削除されます。
consent-doc-rights = 同意はいつでも撤回できます：{ $contact } までご連絡ください。{ $studio } は保管しているすべての控えを削除し、それから作られた参照の削除を APIMart に依頼します。
consent-doc-yes = 同意します
consent-doc-no = 同意しません
consent-doc-receipt-title = 同意の控え
consent-doc-receipt-person = 氏名：{ $person }
consent-doc-receipt-session = セッション：{ $session }
consent-doc-receipt-date = 日時：{ $time }
consent-doc-receipt-by-person = ご本人がデスク「{ $desk }」の画面で回答し、署名しました。
consent-doc-receipt-by-staff = デスク「{ $desk }」のスタッフが記録し、ご本人が必須項目に同意したことをスタッフが証します。署名はありません。
consent-doc-receipt-version = 同意書バージョン { $version }（{ $language }）、表示した文の SHA-256：{ $hash }
consent-doc-receipt-remade = 以下の文はバージョン { $version } から作り直したもので、表示した文と完全には一致しません（記録された SHA-256：{ $hash }）。
consent-doc-receipt-answer = 回答：{ $answer }
consent-doc-receipt-signature = 署名
consent-doc-receipt-no-signature = 署名なし（スタッフが記録）。
consent-doc-receipt-staff-yes = スタッフの記録：同意
consent-doc-receipt-staff-no = スタッフの記録：同意しない
consent-doc-receipt-signature-missing = 署名が保存されていません。
consent-doc-receipt-withdrawn-title = 同意の撤回
consent-doc-receipt-withdrawn-at = 撤回日時：{ $time }
consent-doc-receipt-withdrawn-deleted = { $studio } は、あなたの写真と動画から作ったすべての複製を削除しました：デスク上の加工済み写真、修正した動画、カメラの撮影データとテスト動画、そしてストレージ上の動画です。
consent-doc-receipt-withdrawn-upstream = 次の参照は APIMart に残っています。APIMart の API では削除できないため、{ $studio } が APIMart に削除を依頼します：
consent-doc-receipt-withdrawn-none = APIMart にあなたの写真や動画の参照は作られていません。

## The consent pad and its hand-over
consent-doc-required-no = この項目に同意いただけない場合、手続きを続けられません。それがお答えなら「お断りします」を押してください。あなたに関する情報は何も送信されません。
consent-doc-sign-here = 指またはマウスでここに署名してください
consent-doc-clear = 署名を消す
consent-doc-sign = 同意して署名します
consent-doc-decline = お断りします
consent-doc-missing = 続けるには、すべての項目に答えて署名してください。
