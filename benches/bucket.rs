//! Upload throughput to the studio's bucket: the app's multipart upload (8 MiB parts, three at
//! once, hashing the file as it reads it) against one plain PUT of the same file in the same
//! run, on the S3 server `AVATAR_KIOSK_TEST_S3` names (`ENDPOINT|ACCESS_KEY|SECRET`; start one
//! with `source scripts/s3.sh; start_s3`). Prints MB/s of each and their ratio.
//!
//! `cargo bench --bench bucket`

// A benchmark program: a failed setup step should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use avatar_kiosk::api::bucket::{Bucket, BucketKeys, BucketPlace};
use rusty_s3::S3Action;

const SIZE: usize = 48 * 1024 * 1024;
const ROUNDS: usize = 3;

fn main() {
    let Ok(server) = std::env::var("AVATAR_KIOSK_TEST_S3") else {
        eprintln!("no S3 server: source scripts/s3.sh; start_s3; then run again");
        return;
    };
    let mut parts = server.split('|');
    let (endpoint, access, secret) = (
        parts.next().unwrap().to_string(),
        parts.next().unwrap().to_string(),
        parts.next().unwrap().to_string(),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = avatar_kiosk::api::http::for_loopback(Duration::from_secs(120)).unwrap();
    let raw = rusty_s3::Bucket::new(
        endpoint.parse().unwrap(),
        rusty_s3::UrlStyle::Path,
        "kiosk-bench",
        "us-east-1",
    )
    .unwrap();
    let creds = rusty_s3::Credentials::new(&access, &secret);
    let create = raw.create_bucket(&creds).sign(Duration::from_secs(60));
    let status = rt
        .block_on(async { http.put(create).send().await })
        .unwrap()
        .status();
    assert!(status.is_success() || status == 409, "{status}");
    let place = BucketPlace {
        endpoint,
        bucket: "kiosk-bench".into(),
        ..BucketPlace::default()
    };
    let keys = BucketKeys {
        access,
        secret: secrecy::SecretString::from(secret),
        token: None,
    };
    let bucket = Bucket::new(&place, &keys).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("video.mp4");
    // Bytes no layer can compress away.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let data: Vec<u8> = (0..SIZE)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(&file, &data).unwrap();
    drop(data);
    let (mut plain, mut multi) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let start = Instant::now();
        let bytes = std::fs::read(&file).unwrap();
        rt.block_on(async {
            let name = format!("plain-{round}.mp4");
            bucket.put_whole(&name, bytes.into()).await
        })
        .unwrap();
        plain.push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        let stored = rt
            .block_on(async {
                let name = format!("multi-{round}.mp4");
                bucket.upload_file(&name, &file, None, &|_, _| {}).await
            })
            .unwrap();
        multi.push(start.elapsed().as_secs_f64());
        assert!(stored.parts >= 3);
    }
    let best = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
    let mbps = |secs: f64| SIZE as f64 / (1024.0 * 1024.0) / secs;
    let (p, m) = (best(&plain), best(&multi));
    println!(
        "{} MiB, best of {ROUNDS}: one plain PUT {:.0} MB/s ({:.2} s), multipart {:.0} MB/s ({:.2} s); multipart/plain throughput ratio {:.2}",
        SIZE / (1024 * 1024),
        mbps(p),
        p,
        mbps(m),
        m,
        p / m
    );
}
