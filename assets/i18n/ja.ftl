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
