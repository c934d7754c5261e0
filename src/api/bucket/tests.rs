//! The bucket's addressing, names, signing and errors (no server).

use super::*;

fn keys() -> BucketKeys {
    BucketKeys {
        access: "AKID".into(),
        secret: SecretString::from("very-secret-value".to_string()),
        token: None,
    }
}

#[test]
fn a_custom_endpoint_is_path_style_and_aws_is_virtual_host() {
    let mut place = BucketPlace {
        endpoint: "http://127.0.0.1:8333".into(),
        bucket: "studio".into(),
        ..BucketPlace::default()
    };
    let b = Bucket::new(&place, &keys()).unwrap();
    let link = b.link("k/s1/1-abc.mp4", 1_700_000_000_000);
    assert!(
        link.as_str()
            .starts_with("http://127.0.0.1:8333/studio/k/s1/1-abc.mp4?")
    );
    assert!(link.as_str().contains("X-Amz-Expires=604800"), "{link}");
    assert!(link.as_str().contains("us-east-1"), "default region");
    place.endpoint.clear();
    place.region = "eu-west-1".into();
    let b = Bucket::new(&place, &keys()).unwrap();
    let link = b.link("x.mp4", 1_700_000_000_000);
    assert!(
        link.as_str()
            .starts_with("https://studio.s3.eu-west-1.amazonaws.com/x.mp4?")
    );
}

#[test]
fn plain_http_only_to_this_computer() {
    let mut place = BucketPlace {
        endpoint: "http://192.0.2.10:9000".into(),
        bucket: "studio".into(),
        ..BucketPlace::default()
    };
    let refused = Bucket::new(&place, &keys()).err().unwrap();
    assert!(matches!(refused, BucketError::Address(ref why) if why.contains("https")));
    place.endpoint = "https://192.0.2.10:9000".into();
    assert!(Bucket::new(&place, &keys()).is_ok());
    place.endpoint = "http://localhost:9000".into();
    assert!(Bucket::new(&place, &keys()).is_ok());
}

#[test]
fn the_secret_is_in_no_link_and_no_debug_text() {
    let place = BucketPlace {
        endpoint: "http://127.0.0.1:8333".into(),
        bucket: "studio".into(),
        ..BucketPlace::default()
    };
    let b = Bucket::new(&place, &keys()).unwrap();
    let link = b.link("a.mp4", 1_700_000_000_000);
    assert!(!link.as_str().contains("very-secret-value"));
    assert!(!format!("{b:?} {:?}", keys()).contains("very-secret-value"));
}

#[test]
fn object_names_carry_ids_and_the_prefix_only() {
    let mut place = BucketPlace {
        endpoint: "http://127.0.0.1:1".into(),
        bucket: "b".into(),
        prefix: "kiosk".into(),
        ..BucketPlace::default()
    };
    let b = Bucket::new(&place, &keys()).unwrap();
    assert_eq!(
        b.object_for("s-9", 3, "0123456789abcdef0123", "mp4"),
        "kiosk/s-9/3-0123456789abcdef.mp4"
    );
    let made = b.object_for("s-9", 3, "0123456789abcdef0123", "mp4");
    assert!(b.is_ours("s-9", &made));
    // What a row from elsewhere may name: another session's, another prefix, anything else.
    for foreign in [
        "kiosk/s-1/3-0123456789abcdef.mp4",
        "other/s-9/3-0123456789abcdef.mp4",
        "kiosk/s-9/../payroll.xlsx",
        "kiosk/s-9/3-0123.mp4/extra",
        "kiosk/s-9/x-0123.mp4",
        "payroll.xlsx",
    ] {
        assert!(!b.is_ours("s-9", foreign), "{foreign}");
    }
    place.prefix = "/in/".into();
    let b = Bucket::new(&place, &keys()).unwrap();
    assert_eq!(b.object_for("s", 1, "ab", "mov"), "in/s/1-ab.mov");
    assert!(b.is_ours("s", "in/s/1-ab.mov"));
}

#[test]
fn refusals_say_what_to_check() {
    assert_eq!(
        error_code("<Error><Code>SignatureDoesNotMatch</Code></Error>"),
        "SignatureDoesNotMatch"
    );
    assert_eq!(error_code("nonsense"), "");
    let place = BucketPlace {
        bucket: "b".into(),
        ..BucketPlace::default()
    };
    let b = Bucket::new(&place, &keys()).unwrap();
    let e = b.refused(
        reqwest::StatusCode::FORBIDDEN,
        "<Error><Code>InvalidAccessKeyId</Code></Error>",
    );
    assert_eq!(e.advice(&place).id(), "bucket-denied");
    let e = b.refused(
        reqwest::StatusCode::NOT_FOUND,
        "<Error><Code>NoSuchBucket</Code></Error>",
    );
    assert_eq!(e.advice(&place).id(), "bucket-missing");
    assert!(Bucket::new(&BucketPlace::default(), &keys()).is_err());
}
