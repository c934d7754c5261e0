# Sourced by .ci/run (and by a developer who wants the PostgreSQL tests to run):
#   apt-get install -y postgresql openssl
#
# start_postgres: a throwaway PostgreSQL server, owned by the `postgres` user, in a temporary
#   directory, on a free loopback port. Exports AVATAR_KIOSK_TEST_POSTGRES (its address) and
#   POSTGRES_PID; stop_postgres stops that server by its PID and removes its directory.

start_postgres() {
    local bin port
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -z "$bin" ]; then
        echo "PostgreSQL is not installed (apt-get install -y postgresql)" >&2
        return 1
    fi
    POSTGRES_DIR=$(mktemp -d /tmp/avatar-kiosk-pg.XXXXXX)
    chown postgres: "$POSTGRES_DIR"
    # A free port: the kernel picks one for a socket that is closed at once.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    # A password made for the run, asked by SCRAM over TCP (as a studio's server should);
    # the Unix socket in the temporary directory stays trusted for the administrator.
    POSTGRES_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
    printf '%s\n' "$POSTGRES_PASSWORD" >"$POSTGRES_DIR/pwfile"
    chown postgres: "$POSTGRES_DIR/pwfile"
    runuser -u postgres -- "$bin/initdb" -D "$POSTGRES_DIR/data" -U postgres \
        --auth-local=trust --auth-host=scram-sha-256 --pwfile="$POSTGRES_DIR/pwfile" \
        -E UTF8 --locale=C.UTF-8 >"$POSTGRES_DIR/initdb.log" 2>&1 || {
        cat "$POSTGRES_DIR/initdb.log" >&2
        return 1
    }
    rm -f "$POSTGRES_DIR/pwfile"
    # TLS on, with a certificate from a CA made for the run (a studio's own CA): the tests
    # verify the server against it (sslmode=verify-full), and encrypt to it without a root on
    # this machine (the default for a server on loopback).
    (
        cd "$POSTGRES_DIR" &&
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=avatar-kiosk test CA" \
                -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
                -keyout ca.key -out ca.crt &&
            openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr &&
            printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=CA:FALSE" \
                "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >server.ext &&
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
                -extfile server.ext -out server.crt
    ) >/dev/null 2>&1 || {
        echo "could not make the test server's certificates with openssl" >&2
        return 1
    }
    chown postgres: "$POSTGRES_DIR/server.key" "$POSTGRES_DIR/server.crt"
    chmod 600 "$POSTGRES_DIR/server.key"
    runuser -u postgres -- "$bin/pg_ctl" -D "$POSTGRES_DIR/data" -l "$POSTGRES_DIR/server.log" -w \
        -o "-p $port -k $POSTGRES_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c ssl=on -c ssl_cert_file=$POSTGRES_DIR/server.crt -c ssl_key_file=$POSTGRES_DIR/server.key" \
        start >/dev/null || {
        cat "$POSTGRES_DIR/server.log" >&2
        return 1
    }
    POSTGRES_PID=$(head -1 "$POSTGRES_DIR/data/postmaster.pid")
    export POSTGRES_PID POSTGRES_DIR
    export AVATAR_KIOSK_TEST_POSTGRES="postgres://postgres:$POSTGRES_PASSWORD@127.0.0.1:$port/postgres"
    export AVATAR_KIOSK_TEST_POSTGRES_CA="$POSTGRES_DIR/ca.crt"
    echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on port $port (pid $POSTGRES_PID)"
}

stop_postgres() {
    if [ -n "${POSTGRES_PID:-}" ]; then
        # SIGINT: the server's "fast" shutdown; then wait for that PID alone to end.
        kill -INT "$POSTGRES_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$POSTGRES_PID" 2>/dev/null || break
            sleep 0.1
        done
        POSTGRES_PID=
    fi
    if [ -n "${POSTGRES_DIR:-}" ]; then
        rm -rf "$POSTGRES_DIR"
        POSTGRES_DIR=
    fi
}
