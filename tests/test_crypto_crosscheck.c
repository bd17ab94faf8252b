/* Cross-checks of src/core/crypto.c, ecdsa.c and ecka.c against independent
 * implementations run at test time: python-cryptography through
 * tests/crosscheck_crypto.py, and the openssl command-line tool (keys,
 * certificates and signatures it makes; signatures it verifies). Part of the
 * test_crypto executable. */
#include "crypto_testutil.h"


#include "core/crypto.h"

static const crypto_curve curves[] = {CRYPTO_CURVE_NIST_P256, CRYPTO_CURVE_BRAINPOOL_P256R1};
static const char *const py_curve[] = {"p256", "bp256"};
static const char *const ossl_curve[] = {"prime256v1", "brainpoolP256r1"};

static bool python_ok;
static bool openssl_ok;

static int setup(void **state)
{
    (void)state;
    python_ok = crosscheck_available();
    char *out = crosscheck_shell("openssl version 2>/dev/null");
    openssl_ok = out != NULL;
    if (!openssl_ok)
        printf("crosscheck: the openssl command is not available\n");
    free(out);
    return 0;
}

/* A random private key whose scalar the test knows (so python can hold the
 * same key). Scalars below 2^255 are below n on both curves. */
static crypto_key *random_key(crypto_curve curve, char scalar_hex[2 * CRYPTO_SCALAR_SIZE + 1])
{
    uint8_t d[CRYPTO_SCALAR_SIZE];
    assert_int_equal(crypto_random_bytes(d, sizeof(d)), AW_OK);
    d[0] &= 0x7F;
    d[1] |= 0x01;
    crypto_key *key = NULL;
    assert_int_equal(crypto_key_from_scalar(curve, d, &key), AW_OK);
    aw_hex_encode(d, sizeof(d), scalar_hex, false);
    crypto_cleanse(d, sizeof(d));
    return key;
}

static void test_crosscheck_ecdsa(void **state)
{
    (void)state;
    if (!python_ok)
        skip();
    for (size_t c = 0; c < 2; c++) {
        for (int round = 0; round < 4; round++) {
            char d_hex[65];
            crypto_key *key = random_key(curves[c], d_hex);
            uint8_t point[CRYPTO_POINT_SIZE];
            assert_int_equal(crypto_key_export_point(key, point), AW_OK);
            char *point_hex = hex_of(point, sizeof(point));

            uint8_t msg[200];
            size_t msg_len = (size_t)round * 50 + 1;
            assert_int_equal(crypto_random_bytes(msg, msg_len), AW_OK);
            char *msg_hex = hex_of(msg, msg_len);

            /* same public point from the same scalar */
            char args[1024];
            snprintf(args, sizeof(args), "pub %s %s", py_curve[c], d_hex);
            char *out = crosscheck_python(args);
            assert_memory_equal(out, point_hex, 2 * CRYPTO_POINT_SIZE);
            free(out);

            /* ours signs, python verifies */
            uint8_t sig[CRYPTO_SIGNATURE_SIZE];
            assert_int_equal(crypto_sign_ecdsa(key, msg, msg_len, sig), AW_OK);
            char *sig_hex = hex_of(sig, sizeof(sig));
            snprintf(args, sizeof(args), "verify %s %s %s %s", py_curve[c], point_hex, msg_hex,
                     sig_hex);
            out = crosscheck_python(args);
            assert_string_equal(out, "ok\n");
            free(out);
            /* python rejects what ours would reject */
            sig_hex[10] = sig_hex[10] == '0' ? '1' : '0';
            snprintf(args, sizeof(args), "verify %s %s %s %s", py_curve[c], point_hex, msg_hex,
                     sig_hex);
            out = crosscheck_python(args);
            assert_string_equal(out, "bad\n");
            free(out);
            free(sig_hex);

            /* python signs, ours verifies */
            snprintf(args, sizeof(args), "sign %s %s %s", py_curve[c], d_hex, msg_hex);
            out = crosscheck_python(args);
            size_t len;
            char *cursor = out;
            uint8_t *py_sig = next_hex_line(&cursor, &len);
            assert_int_equal(len, CRYPTO_SIGNATURE_SIZE);
            assert_int_equal(crypto_verify_ecdsa(key, msg, msg_len, py_sig, len), AW_OK);
            msg[0] ^= 0x01;
            assert_int_equal(crypto_verify_ecdsa(key, msg, msg_len, py_sig, len),
                             AW_ERR_SIGNATURE);
            free(py_sig);
            free(out);
            free(msg_hex);
            free(point_hex);
            crypto_key_free(key);
        }
    }
}

static void test_crosscheck_ecdh(void **state)
{
    (void)state;
    if (!python_ok)
        skip();
    for (size_t c = 0; c < 2; c++) {
        for (int round = 0; round < 4; round++) {
            char da[65], db[65];
            crypto_key *a = random_key(curves[c], da);
            crypto_key *b = random_key(curves[c], db);
            uint8_t pa[CRYPTO_POINT_SIZE], pb[CRYPTO_POINT_SIZE];
            assert_int_equal(crypto_key_export_point(a, pa), AW_OK);
            assert_int_equal(crypto_key_export_point(b, pb), AW_OK);
            uint8_t z1[CRYPTO_SHARED_SECRET_SIZE], z2[CRYPTO_SHARED_SECRET_SIZE];
            assert_int_equal(crypto_key_agreement(a, pb, sizeof(pb), z1), AW_OK);
            assert_int_equal(crypto_key_agreement(b, pa, sizeof(pa), z2), AW_OK);
            assert_memory_equal(z1, z2, sizeof(z1));
            char *pa_hex = hex_of(pa, sizeof(pa));
            char args[512];
            snprintf(args, sizeof(args), "ecdh %s %s %s", py_curve[c], db, pa_hex);
            char *out = crosscheck_python(args);
            char *cursor = out;
            size_t len;
            uint8_t *z3 = next_hex_line(&cursor, &len);
            assert_int_equal(len, sizeof(z1));
            assert_memory_equal(z1, z3, sizeof(z1));
            free(z3);
            free(out);
            free(pa_hex);
            crypto_key_free(a);
            crypto_key_free(b);
        }
    }
}

static void test_crosscheck_kdf(void **state)
{
    (void)state;
    if (!python_ok)
        skip();
    static const size_t lengths[] = {16, 32, 33, 48, 100, 200};
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        uint8_t secret[32], info[40], out1[200];
        size_t info_len = i * 7;
        assert_int_equal(crypto_random_bytes(secret, sizeof(secret)), AW_OK);
        assert_int_equal(crypto_random_bytes(info, sizeof(info)), AW_OK);
        assert_int_equal(crypto_derive_x963_sha256(secret, sizeof(secret), info, info_len, out1,
                                                   lengths[i]), AW_OK);
        char *s_hex = hex_of(secret, sizeof(secret));
        char *i_hex = hex_of(info, info_len);
        char args[512];
        snprintf(args, sizeof(args), "x963 %s %s %zu", s_hex, info_len ? i_hex : "-",
                 lengths[i]);
        char *out = crosscheck_python(args);
        char *cursor = out;
        size_t len;
        uint8_t *out2 = next_hex_line(&cursor, &len);
        assert_int_equal(len, lengths[i]);
        assert_memory_equal(out1, out2, len);
        free(out2);
        free(out);
        free(s_hex);
        free(i_hex);
    }
}

static void test_crosscheck_session_keys(void **state)
{
    (void)state;
    if (!python_ok)
        skip();
    for (size_t host_len = 1; host_len <= CRYPTO_HOST_ID_MAX; host_len += 5) {
        uint8_t z[CRYPTO_SHARED_SECRET_SIZE], host[CRYPTO_HOST_ID_MAX], eid[CRYPTO_EID_SIZE];
        assert_int_equal(crypto_random_bytes(z, sizeof(z)), AW_OK);
        assert_int_equal(crypto_random_bytes(host, sizeof(host)), AW_OK);
        assert_int_equal(crypto_random_bytes(eid, sizeof(eid)), AW_OK);
        crypto_session_keys keys;
        assert_int_equal(crypto_derive_session_keys(z, host, host_len, eid, &keys), AW_OK);
        char *z_hex = hex_of(z, sizeof(z));
        char *h_hex = hex_of(host, host_len);
        char *e_hex = hex_of(eid, sizeof(eid));
        char args[512];
        snprintf(args, sizeof(args), "session %s %s %s", z_hex, h_hex, e_hex);
        char *out = crosscheck_python(args);
        char *cursor = out;
        size_t len;
        uint8_t *mcv = next_hex_line(&cursor, &len);
        uint8_t *enc = next_hex_line(&cursor, &len);
        uint8_t *mac = next_hex_line(&cursor, &len);
        assert_memory_equal(keys.initial_mac_chaining_value, mcv, 16);
        assert_memory_equal(keys.enc, enc, 16);
        assert_memory_equal(keys.mac, mac, 16);
        crypto_session_keys_clear(&keys);
        free(mcv);
        free(enc);
        free(mac);
        free(out);
        free(z_hex);
        free(h_hex);
        free(e_hex);
    }
}

static void run_ok(const char *cmd)
{
    char *out = crosscheck_shell(cmd);
    if (out == NULL)
        print_error("command failed: %s\n", cmd);
    assert_non_null(out);
    free(out);
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Keys, certificates and signatures made by the openssl CLI are read by
 * ours; our signatures verify with openssl dgst -verify. */
static void test_crosscheck_openssl_cli(void **state)
{
    (void)state;
    if (!openssl_ok)
        skip();
    char dir[] = "/tmp/aw_crypto_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[2048], path[1024];
    static const uint8_t msg[] = "euiccSigned1 from the openssl cross-check";
    snprintf(path, sizeof(path), "%s/msg", dir);
    write_file(path, msg, sizeof(msg));

    for (size_t c = 0; c < 2; c++) {
        snprintf(cmd, sizeof(cmd),
                 "cd %s && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:%s "
                 "-pkeyopt ec_param_enc:named_curve -out priv.pem 2>&1 && "
                 "openssl pkey -in priv.pem -pubout -out pub.pem 2>&1 && "
                 "openssl req -new -x509 -key priv.pem -subj /CN=airwrite-test -days 1 "
                 "-outform DER -out cert.der 2>&1 && "
                 "openssl x509 -inform DER -in cert.der -out cert.pem 2>&1",
                 dir, ossl_curve[c]);
        run_ok(cmd);
        crypto_key *priv = NULL, *pub = NULL, *cert_key = NULL;
        snprintf(path, sizeof(path), "%s/priv.pem", dir);
        assert_int_equal(crypto_key_load_private_pem_file(path, &priv), AW_OK);
        assert_int_equal(crypto_key_curve(priv), curves[c]);
        snprintf(path, sizeof(path), "%s/pub.pem", dir);
        assert_int_equal(crypto_key_load_public_pem_file(path, &pub), AW_OK);
        uint8_t p1[CRYPTO_POINT_SIZE], p2[CRYPTO_POINT_SIZE];
        assert_int_equal(crypto_key_export_point(priv, p1), AW_OK);
        assert_int_equal(crypto_key_export_point(pub, p2), AW_OK);
        assert_memory_equal(p1, p2, sizeof(p1));

        /* certificate: DER bytes, DER file, PEM file */
        snprintf(path, sizeof(path), "%s/cert.der", dir);
        size_t cert_len = 0;
        uint8_t *cert = test_read_file(path, &cert_len);
        assert_non_null(cert);
        assert_int_equal(crypto_key_from_certificate(cert, cert_len, &cert_key), AW_OK);
        assert_int_equal(crypto_key_export_point(cert_key, p2), AW_OK);
        assert_memory_equal(p1, p2, sizeof(p1));
        assert_false(crypto_key_is_private(cert_key));
        crypto_key_free(cert_key);
        assert_int_equal(crypto_key_load_certificate_file(path, &cert_key), AW_OK);
        crypto_key_free(cert_key);
        snprintf(path, sizeof(path), "%s/cert.pem", dir);
        assert_int_equal(crypto_key_load_certificate_file(path, &cert_key), AW_OK);
        assert_int_equal(crypto_key_export_point(cert_key, p2), AW_OK);
        assert_memory_equal(p1, p2, sizeof(p1));
        crypto_key_free(cert_key);
        /* not exactly one certificate */
        uint8_t *longer = malloc(cert_len + 1);
        assert_non_null(longer);
        memcpy(longer, cert, cert_len);
        longer[cert_len] = 0x00;
        assert_int_equal(crypto_key_from_certificate(longer, cert_len + 1, &cert_key),
                         AW_ERR_PKI_PARSE);
        assert_int_equal(crypto_key_from_certificate(cert, cert_len - 1, &cert_key),
                         AW_ERR_PKI_PARSE);
        assert_int_equal(crypto_key_from_certificate(msg, sizeof(msg), &cert_key),
                         AW_ERR_PKI_PARSE);
        assert_null(cert_key);
        snprintf(path, sizeof(path), "%s/msg", dir);
        assert_int_equal(crypto_key_load_certificate_file(path, &cert_key), AW_ERR_PKI_PARSE);
        free(longer);
        free(cert);

        /* ours signs; openssl verifies the DER form */
        uint8_t sig[CRYPTO_SIGNATURE_SIZE], der[CRYPTO_SIGNATURE_DER_MAX];
        size_t der_len;
        assert_int_equal(crypto_sign_ecdsa(priv, msg, sizeof(msg), sig), AW_OK);
        assert_int_equal(crypto_signature_plain_to_der(curves[c], sig, der, sizeof(der),
                                                       &der_len), AW_OK);
        snprintf(path, sizeof(path), "%s/sig.der", dir);
        write_file(path, der, der_len);
        snprintf(cmd, sizeof(cmd),
                 "cd %s && openssl dgst -sha256 -verify pub.pem -signature sig.der msg 2>&1", dir);
        run_ok(cmd);
        /* and refuses it for another message */
        snprintf(cmd, sizeof(cmd),
                 "cd %s && openssl dgst -sha256 -verify pub.pem -signature sig.der priv.pem "
                 ">/dev/null 2>&1", dir);
        assert_int_not_equal(system(cmd), 0);

        /* openssl signs; ours converts and verifies */
        snprintf(cmd, sizeof(cmd),
                 "cd %s && openssl dgst -sha256 -sign priv.pem -out osig.der msg 2>&1", dir);
        run_ok(cmd);
        snprintf(path, sizeof(path), "%s/osig.der", dir);
        size_t osig_len = 0;
        uint8_t *osig = test_read_file(path, &osig_len);
        assert_non_null(osig);
        assert_int_equal(crypto_signature_der_to_plain(curves[c], osig, osig_len, sig), AW_OK);
        assert_int_equal(crypto_verify_ecdsa(pub, msg, sizeof(msg), sig, sizeof(sig)), AW_OK);
        free(osig);
        crypto_key_free(priv);
        crypto_key_free(pub);
    }
    /* an encrypted private key is refused without prompting for a password */
    snprintf(cmd, sizeof(cmd),
             "cd %s && openssl pkey -in priv.pem -aes128 -passout pass:airwrite -out enc.pem 2>&1",
             dir);
    run_ok(cmd);
    crypto_key *enc = (crypto_key *)&enc;
    snprintf(path, sizeof(path), "%s/enc.pem", dir);
    assert_int_equal(crypto_key_load_private_pem_file(path, &enc), AW_ERR_CRYPTO_KEY);
    assert_null(enc);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int crypto_crosscheck_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crosscheck_ecdsa),
        cmocka_unit_test(test_crosscheck_ecdh),
        cmocka_unit_test(test_crosscheck_kdf),
        cmocka_unit_test(test_crosscheck_session_keys),
        cmocka_unit_test(test_crosscheck_openssl_cli),
    };
    return cmocka_run_group_tests_name("crypto_crosscheck", tests, setup, NULL);
}
