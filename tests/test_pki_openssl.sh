#!/bin/sh
# Cross-checks airwrite-pki (src/cli/airwrite_pki.c) with the openssl CLI, an
# independent X.509 verifier: `init` on both curves must give chains that
# `openssl verify` accepts (CI -> EUM -> eUICC, CI -> DPauth/DPpb/DPtls/eIM),
# keys that match their certificates and are mode 0600, and `show` must name
# each certificate's role. Usage: test_pki_openssl.sh AIRWRITE_PKI [OPENSSL]
set -eu

tool=$1
openssl=${2:-openssl}
if ! command -v "$openssl" >/dev/null 2>&1; then
    echo "skip: openssl CLI not found"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

show_role() { # file role
    "$tool" show "$1" >"$tmp/show.txt" || fail "show $1 exited non-zero"
    grep -Eq "^role +$2 " "$tmp/show.txt" || { cat "$tmp/show.txt" >&2; fail "show $1: role is not $2"; }
    grep -Eq "^profile check +OK$" "$tmp/show.txt" || { cat "$tmp/show.txt" >&2; fail "show $1: profile check"; }
}

for curve in nist brainpool; do
    dir="$tmp/$curve"
    "$tool" init "$dir" --curve "$curve" >/dev/null || fail "init --curve $curve"
    case $curve in
        nist) oid=prime256v1 ;;
        brainpool) oid=brainpoolP256r1 ;;
    esac
    for name in ci eum euicc dpauth dppb dptls eim; do
        [ -f "$dir/$name.pem" ] || fail "$curve: $name.pem missing"
        mode=$(stat -c %a "$dir/$name.key.pem")
        [ "$mode" = 600 ] || fail "$curve: $name.key.pem has mode $mode, not 600"
        "$openssl" x509 -in "$dir/$name.pem" -noout -text | grep -q "ASN1 OID: $oid" \
            || fail "$curve: $name.pem is not on $oid"
        "$openssl" x509 -in "$dir/$name.pem" -noout -pubkey >"$tmp/cert.pub"
        "$openssl" pkey -in "$dir/$name.key.pem" -pubout >"$tmp/key.pub"
        cmp -s "$tmp/cert.pub" "$tmp/key.pub" || fail "$curve: $name.key.pem does not match $name.pem"
    done
    for leaf in dpauth dppb dptls eim; do
        "$openssl" verify -x509_strict -CAfile "$dir/ci.pem" "$dir/$leaf.pem" >/dev/null \
            || fail "$curve: openssl verify $leaf.pem"
    done
    "$openssl" verify -x509_strict -CAfile "$dir/ci.pem" -untrusted "$dir/eum.pem" "$dir/euicc.pem" \
        >/dev/null || fail "$curve: openssl verify euicc.pem via eum.pem"
    "$openssl" verify -purpose sslserver -CAfile "$dir/ci.pem" "$dir/dptls.pem" >/dev/null \
        || fail "$curve: dptls.pem is not a TLS server certificate"
    # without the EUM the eUICC certificate has no path to the CI
    if "$openssl" verify -CAfile "$dir/ci.pem" "$dir/euicc.pem" >/dev/null 2>&1; then
        fail "$curve: euicc.pem verified without eum.pem"
    fi
    "$openssl" x509 -in "$dir/dptls.pem" -noout -ext subjectAltName >"$tmp/san.txt"
    for want in "DNS:localhost" "IP Address:127.0.0.1" "IP Address:0:0:0:0:0:0:0:1" "Registered ID:2.999.10"; do
        grep -q "$want" "$tmp/san.txt" || fail "$curve: dptls.pem lacks $want"
    done
    show_role "$dir/ci.pem" CI
    show_role "$dir/eum.pem" EUM
    show_role "$dir/euicc.pem" eUICC
    show_role "$dir/dpauth.pem" DPauth
    show_role "$dir/dppb.pem" DPpb
    show_role "$dir/dptls.pem" DPtls
    show_role "$dir/eim.pem" eIM
    grep -q "^EID *89049032000000000000000000000163$" "$tmp/show.txt" && fail "eim.pem shows an EID"
    "$tool" show "$dir/euicc.pem" | grep -q "^EID *89049032000000000000000000000163$" \
        || fail "$curve: show euicc.pem does not print the default EID"
done

# a chain from one PKI does not verify under the other's CI
if "$openssl" verify -CAfile "$tmp/nist/ci.pem" "$tmp/brainpool/dpauth.pem" >/dev/null 2>&1; then
    fail "brainpool dpauth.pem verified under the NIST CI"
fi

# options: EID and TLS names
"$tool" init "$tmp/custom" --eid 89049032123451234512345678901235 --tls-name smdp.example.org \
    --tls-name 192.0.2.10 >/dev/null || fail "init with --eid and --tls-name"
"$tool" show "$tmp/custom/euicc.pem" | grep -q "^EID *89049032123451234512345678901235$" \
    || fail "custom EID not in euicc.pem"
"$openssl" x509 -in "$tmp/custom/dptls.pem" -noout -ext subjectAltName >"$tmp/san.txt"
grep -q "DNS:smdp.example.org" "$tmp/san.txt" || fail "custom DNS name missing"
grep -q "IP Address:192.0.2.10" "$tmp/san.txt" || fail "custom IP address missing"
grep -q "DNS:localhost" "$tmp/san.txt" && fail "default names kept beside --tls-name"
"$openssl" verify -CAfile "$tmp/custom/ci.pem" -untrusted "$tmp/custom/eum.pem" \
    "$tmp/custom/euicc.pem" >/dev/null || fail "custom eUICC chain"

# errors: non-zero exit and a message on stderr
expect_error() { # description, command...
    what=$1
    shift
    if "$@" >"$tmp/out.txt" 2>"$tmp/err.txt"; then
        fail "$what: exit status 0"
    fi
    [ -s "$tmp/err.txt" ] || fail "$what: no message on stderr"
}
expect_error "bad EID check digits" "$tool" init "$tmp/bad" --eid 89049032123451234512345678901234
expect_error "unknown curve" "$tool" init "$tmp/bad" --curve secp384r1
expect_error "missing directory" "$tool" init
expect_error "unknown command" "$tool" frobnicate
expect_error "show of a missing file" "$tool" show "$tmp/none.pem"
printf 'not a certificate' >"$tmp/junk.der"
expect_error "show of junk" "$tool" show "$tmp/junk.der"
"$tool" --help | grep -q "usage: airwrite-pki init" || fail "--help"

echo "airwrite-pki: openssl accepts every chain on both curves"
