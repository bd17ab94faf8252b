/* ECDSA tests (src/core/ecdsa.c): NIST CAVP and RFC 6979 known answers,
 * sign/verify on both curves, and the strict DER <-> r||s conversion. Part
 * of the test_crypto executable. */
#include "crypto_testutil.h"

#include "core/crypto.h"

#define P256_N "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"
#define BP256_N "A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7"

/* NIST CAVP FIPS 186-3 ECDSA SigVer.rsp, section [P-256,SHA-256] (as
 * republished in msrCrypto's tv_ecdsa.verify.js). */
struct sigver_vector {
    const char *msg, *qx, *qy, *r, *s;
    bool valid;
};

static const struct sigver_vector sigver[] = {
    {"e1130af6a38ccb412a9c8d13e15dbfc9e69a16385af3c3f1e5da954fd5e7c45fd75e2b8c36699228e92840c0562fbf3772f07e17f1add56588dd45f7450e1217ad239922dd9c32695dc71ff2424ca0dec1321aa47064a044b7fe3c2b97d03ce470a592304c5ef21eed9f93da56bb232d1eeb0035f9bf0dfafdcc4606272b20a3",
     "e424dc61d4bb3cb7ef4344a7f8957a0c5134e16f7a67c074f82e6e12f49abf3c",
     "970eed7aa2bc48651545949de1dddaf0127e5965ac85d1243d6f60e7dfaee927",
     "bf96b99aa49c705c910be33142017c642ff540c76349b9dab72f981fd9347f4f",
     "17c55095819089c2e03b9cd415abdf12444e323075d98f31920b9e0f57ec871c", true},
    {"73c5f6a67456ae48209b5f85d1e7de7758bf235300c6ae2bdceb1dcb27a7730fb68c950b7fcada0ecc4661d3578230f225a875e69aaa17f1e71c6be5c831f22663bac63d0c7a9635edb0043ff8c6f26470f02a7bc56556f1437f06dfa27b487a6c4290d8bad38d4879b334e341ba092dde4e4ae694a9c09302e2dbf443581c08",
     "e0fc6a6f50e1c57475673ee54e3a57f9a49f3328e743bf52f335e3eeaa3d2864",
     "7f59d689c91e463607d9194d99faf316e25432870816dde63f5d4b373f12f22a",
     "1d75830cd36f4c9aa181b2c4221e87f176b7f05b7c87824e82e396c88315c407",
     "cb2acb01dac96efc53a32d4a0d85d0c2e48955214783ecf50a4f0414a319c05a", true},
    /* S changed */
    {"e4796db5f785f207aa30d311693b3702821dff1168fd2e04c0836825aefd850d9aa60326d88cde1a23c7745351392ca2288d632c264f197d05cd424a30336c19fd09bb229654f0222fcb881a4b35c290a093ac159ce13409111ff0358411133c24f5b8e2090d6db6558afc36f06ca1f6ef779785adba68db27a409859fc4c4a0",
     "87f8f2b218f49845f6f10eec3877136269f5c1a54736dbdf69f89940cad41555",
     "e15f369036f49842fac7a86c8a2b0557609776814448b8f5e84aa9f4395205e9",
     "d19ff48b324915576416097d2544f7cbdf8768b1454ad20e0baac50e211f23b0",
     "a3e81e59311cdfff2d4784949f7a2cb50ba6c3a91fa54710568e61aca3e847c6", false},
    /* R changed */
    {"069a6e6b93dfee6df6ef6997cd80dd2182c36653cef10c655d524585655462d683877f95ecc6d6c81623d8fac4e900ed0019964094e7de91f1481989ae1873004565789cbf5dc56c62aedc63f62f3b894c9c6f7788c8ecaadc9bd0e81ad91b2b3569ea12260e93924fdddd3972af5273198f5efda0746219475017557616170e",
     "5cf02a00d205bdfee2016f7421807fc38ae69e6b7ccd064ee689fc1a94a9f7d2",
     "ec530ce3cc5c9d1af463f264d685afe2b4db4b5828d7e61b748930f3ce622a85",
     "dc23d130c6117fb5751201455e99f36f59aba1a6a21cf2d0e7481a97451d6693",
     "d6ce7708c18dbf35d4f8aa7240922dc6823f2e7058cbc1484fcad1599db5018c", false},
    /* Q changed */
    {"df04a346cf4d0e331a6db78cca2d456d31b0a000aa51441defdb97bbeb20b94d8d746429a393ba88840d661615e07def615a342abedfa4ce912e562af714959896858af817317a840dcff85a057bb91a3c2bf90105500362754a6dd321cdd86128cfc5f04667b57aa78c112411e42da304f1012d48cd6a7052d7de44ebcc01de",
     "2ddfd145767883ffbb0ac003ab4a44346d08fa2570b3120dcce94562422244cb",
     "5f70c7d11ac2b7a435ccfbbae02c3df1ea6b532cc0e9db74f93fffca7c6f9a64",
     "9913111cff6f20c5bf453a99cd2c2019a4e749a49724a08774d14e4c113edda8",
     "9467cd4cd21ecb56b0cab0a9a453b43386845459127a952421f5c6382866c5cc", false},
    /* Message changed */
    {"1669bfb657fdc62c3ddd63269787fc1c969f1850fb04c933dda063ef74a56ce13e3a649700820f0061efabf849a85d474326c8a541d99830eea8131eaea584f22d88c353965dabcdc4bf6b55949fd529507dfb803ab6b480cd73ca0ba00ca19c438849e2cea262a1c57d8f81cd257fb58e19dec7904da97d8386e87b84948169",
     "69b7667056e1e11d6caf6e45643f8b21e7a4bebda463c7fdbc13bc98efbd0214",
     "d3f9b12eb46c7c6fda0da3fc85bc1fd831557f9abc902a3be3cb3e8be7d1aa2f",
     "288f7a1cd391842cce21f00e6f15471c04dc182fe4b14d92dc18910879799790",
     "247b3c4e89a3bcadfea73c7bfd361def43715fa382b8c3edf4ae15d6e55e9979", false},
};

static char *concat3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

static aw_err verify_hex(crypto_curve curve, const char *point, const char *msg, const char *rs)
{
    size_t pl, ml, sl;
    uint8_t *p = test_hex(point, &pl);
    uint8_t *m = test_hex(msg, &ml);
    uint8_t *s = test_hex(rs, &sl);
    crypto_key *key = NULL;
    assert_int_equal(crypto_key_from_point(curve, p, pl, &key), AW_OK);
    aw_err err = crypto_verify_ecdsa(key, m, ml, s, sl);
    crypto_key_free(key);
    free(p);
    free(m);
    free(s);
    return err;
}

static void test_cavp_sigver_p256(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(sigver) / sizeof(sigver[0]); i++) {
        char *point = concat3("04", sigver[i].qx, sigver[i].qy);
        char *rs = concat3(sigver[i].r, sigver[i].s, "");
        aw_err err = verify_hex(CRYPTO_CURVE_NIST_P256, point, sigver[i].msg, rs);
        assert_int_equal(err, sigver[i].valid ? AW_OK : AW_ERR_SIGNATURE);
        free(point);
        free(rs);
    }
}

static void test_rfc6979_p256_verify(void **state)
{
    (void)state;
    /* RFC 6979 A.2.5, ECDSA P-256 with SHA-256, messages "sample", "test" */
    const char *u = "0460FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
                    "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299";
    assert_int_equal(verify_hex(CRYPTO_CURVE_NIST_P256, u, "73616D706C65",
                                "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
                                "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"),
                     AW_OK);
    assert_int_equal(verify_hex(CRYPTO_CURVE_NIST_P256, u, "74657374",
                                "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367"
                                "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083"),
                     AW_OK);
    /* the "sample" signature does not cover "test" */
    assert_int_equal(verify_hex(CRYPTO_CURVE_NIST_P256, u, "74657374",
                                "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
                                "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"),
                     AW_ERR_SIGNATURE);
}

static void test_sign_verify_round_trip(void **state)
{
    (void)state;
    const crypto_curve curves[] = {CRYPTO_CURVE_NIST_P256, CRYPTO_CURVE_BRAINPOOL_P256R1};
    static const uint8_t msg[] = "serverSigned1 || serverChallenge";
    for (size_t i = 0; i < 2; i++) {
        crypto_key *key = NULL, *other = NULL, *pub = NULL;
        assert_int_equal(crypto_generate_key(curves[i], &key), AW_OK);
        assert_int_equal(crypto_generate_key(curves[i], &other), AW_OK);
        uint8_t point[CRYPTO_POINT_SIZE];
        assert_int_equal(crypto_key_export_point(key, point), AW_OK);
        assert_int_equal(crypto_key_from_point(curves[i], point, sizeof(point), &pub), AW_OK);

        uint8_t sig[CRYPTO_SIGNATURE_SIZE], sig2[CRYPTO_SIGNATURE_SIZE];
        assert_int_equal(crypto_sign_ecdsa(key, msg, sizeof(msg), sig), AW_OK);
        assert_int_equal(crypto_sign_ecdsa(key, msg, sizeof(msg), sig2), AW_OK);
        assert_memory_not_equal(sig, sig2, sizeof(sig)); /* random k */
        assert_int_equal(crypto_verify_ecdsa(pub, msg, sizeof(msg), sig, sizeof(sig)), AW_OK);
        assert_int_equal(crypto_verify_ecdsa(key, msg, sizeof(msg), sig2, sizeof(sig2)), AW_OK);
        /* wrong key, changed message, changed r, changed s */
        assert_int_equal(crypto_verify_ecdsa(other, msg, sizeof(msg), sig, sizeof(sig)),
                         AW_ERR_SIGNATURE);
        assert_int_equal(crypto_verify_ecdsa(pub, msg, sizeof(msg) - 1, sig, sizeof(sig)),
                         AW_ERR_SIGNATURE);
        sig[5] ^= 0x01;
        assert_int_equal(crypto_verify_ecdsa(pub, msg, sizeof(msg), sig, sizeof(sig)),
                         AW_ERR_SIGNATURE);
        sig[5] ^= 0x01;
        sig[40] ^= 0x01;
        assert_int_equal(crypto_verify_ecdsa(pub, msg, sizeof(msg), sig, sizeof(sig)),
                         AW_ERR_SIGNATURE);
        sig[40] ^= 0x01;
        /* wrong length */
        assert_int_equal(crypto_verify_ecdsa(pub, msg, sizeof(msg), sig, 63),
                         AW_ERR_SIGNATURE_FORMAT);
        assert_int_equal(crypto_verify_ecdsa(pub, msg, sizeof(msg), sig, 0),
                         AW_ERR_SIGNATURE_FORMAT);
        /* empty message */
        assert_int_equal(crypto_sign_ecdsa(key, NULL, 0, sig), AW_OK);
        assert_int_equal(crypto_verify_ecdsa(pub, NULL, 0, sig, sizeof(sig)), AW_OK);
        /* a public key cannot sign */
        assert_int_equal(crypto_sign_ecdsa(pub, msg, sizeof(msg), sig), AW_ERR_CRYPTO_KEY);
        crypto_key_free(key);
        crypto_key_free(other);
        crypto_key_free(pub);
    }
}

static void test_verify_out_of_range(void **state)
{
    (void)state;
    const char *u = "0460FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
                    "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299";
    const char *s = "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8";
    char *rs = concat3("0000000000000000000000000000000000000000000000000000000000000000", s, "");
    assert_int_equal(verify_hex(CRYPTO_CURVE_NIST_P256, u, "00", rs), AW_ERR_SIGNATURE_FORMAT);
    free(rs);
    rs = concat3(s, P256_N, "");
    assert_int_equal(verify_hex(CRYPTO_CURVE_NIST_P256, u, "00", rs), AW_ERR_SIGNATURE_FORMAT);
    free(rs);

    crypto_key *key = NULL;
    uint8_t sig[CRYPTO_SIGNATURE_SIZE] = {0};
    assert_int_equal(crypto_generate_key(CRYPTO_CURVE_NIST_P256, &key), AW_OK);
    assert_int_equal(crypto_verify_ecdsa(NULL, sig, 1, sig, sizeof(sig)), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_verify_ecdsa(key, NULL, 1, sig, sizeof(sig)), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_verify_ecdsa(key, sig, 1, NULL, sizeof(sig)), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_sign_ecdsa(NULL, sig, 1, sig), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_sign_ecdsa(key, NULL, 1, sig), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_sign_ecdsa(key, sig, 1, NULL), AW_ERR_ARGUMENT);
    crypto_key_free(key);
}

static void expect_plain(crypto_curve curve, const char *der_hex, const char *plain_hex)
{
    size_t len;
    uint8_t *der = test_hex(der_hex, &len);
    uint8_t plain[CRYPTO_SIGNATURE_SIZE];
    assert_int_equal(crypto_signature_der_to_plain(curve, der, len, plain), AW_OK);
    test_assert_hex(plain, sizeof(plain), plain_hex);
    /* and back to the identical DER */
    uint8_t back[CRYPTO_SIGNATURE_DER_MAX];
    size_t back_len;
    assert_int_equal(crypto_signature_plain_to_der(curve, plain, back, sizeof(back), &back_len),
                     AW_OK);
    assert_int_equal(back_len, len);
    assert_memory_equal(back, der, len);
    free(der);
}

static void test_signature_conversion(void **state)
{
    (void)state;
    /* RFC 6979 "sample": both integers need a 00 sign octet (72 bytes) */
    expect_plain(CRYPTO_CURVE_NIST_P256,
                 "3046022100EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
                 "022100F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8",
                 "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
                 "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
    /* short integers are left-padded: r = 1, s = 0x7F then 30 bytes */
    expect_plain(CRYPTO_CURVE_BRAINPOOL_P256R1,
                 "3024020101021F7F0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E",
                 "0000000000000000000000000000000000000000000000000000000000000001"
                 "007F0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E");
    /* r = n(brainpool) - no sign octet needed, valid on P-256 whose n is larger */
    expect_plain(CRYPTO_CURVE_NIST_P256, "3026022100" BP256_N "020101",
                 BP256_N "0000000000000000000000000000000000000000000000000000000000000001");
}

static void expect_der_rejected(crypto_curve curve, const char *der_hex)
{
    size_t len;
    uint8_t *der = test_hex(der_hex, &len);
    uint8_t plain[CRYPTO_SIGNATURE_SIZE];
    memset(plain, 0xEE, sizeof(plain));
    aw_err err = crypto_signature_der_to_plain(curve, der, len, plain);
    if (err != AW_ERR_SIGNATURE_FORMAT)
        print_error("accepted or wrong error %s for %s\n", aw_err_name(err), der_hex);
    assert_int_equal(err, AW_ERR_SIGNATURE_FORMAT);
    uint8_t zero[CRYPTO_SIGNATURE_SIZE] = {0};
    assert_memory_equal(plain, zero, sizeof(plain)); /* no partial output */
    free(der);
}

static void test_signature_der_rejected(void **state)
{
    (void)state;
    const crypto_curve p = CRYPTO_CURVE_NIST_P256;
    expect_der_rejected(p, "300602010102010100");       /* trailing byte */
    expect_der_rejected(p, "3007020101020101");         /* outer length past the end */
    expect_der_rejected(p, "3106020101020101");         /* SET, not SEQUENCE */
    expect_der_rejected(p, "300702020001020101");       /* non-minimal INTEGER r */
    expect_der_rejected(p, "3006020181020101");         /* negative r */
    expect_der_rejected(p, "3006020100020101");         /* r = 0 */
    expect_der_rejected(p, "3006020101020100");         /* s = 0 */
    expect_der_rejected(p, "3009020101020101020101");   /* a third INTEGER */
    expect_der_rejected(p, "3003020101");               /* s missing */
    expect_der_rejected(p, "3000");                     /* empty SEQUENCE */
    expect_der_rejected(p, "020101");                   /* bare INTEGER */
    expect_der_rejected(p, "30800201010201010000");     /* indefinite length */
    expect_der_rejected(p, "308106020101020101");       /* non-minimal outer length */
    expect_der_rejected(p, "3006040101020101");         /* OCTET STRING for r */
    expect_der_rejected(p, "3026022100" P256_N "020101"); /* r = n */
    expect_der_rejected(p, "302602210100000000000000000000000000000000000000000000000000000000"
                           "00000000020101");           /* r of 33 significant bytes */
    expect_der_rejected(p, "30250220007F0000000000000000000000000000000000000000000000000000"
                           "00000000020101");           /* 32 bytes with a needless 00 */
    /* r = n(brainpool) is in range on P-256 (above) but not on its curve */
    expect_der_rejected(CRYPTO_CURVE_BRAINPOOL_P256R1, "3026022100" BP256_N "020101");
    /* longer than any 256-bit signature */
    expect_der_rejected(p, "3047000000000000000000000000000000000000000000000000000000000000"
                           "0000000000000000000000000000000000000000000000000000000000000000"
                           "000000000000000000");

    uint8_t plain[CRYPTO_SIGNATURE_SIZE];
    uint8_t der[CRYPTO_SIGNATURE_DER_MAX] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
    assert_int_equal(crypto_signature_der_to_plain(p, der, 0, plain), AW_ERR_SIGNATURE_FORMAT);
    assert_int_equal(crypto_signature_der_to_plain(p, NULL, 8, plain), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_signature_der_to_plain(p, der, 8, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_signature_der_to_plain((crypto_curve)0, der, 8, plain),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_signature_der_to_plain(p, der, 8, plain), AW_OK);
}

static void test_signature_plain_rejected(void **state)
{
    (void)state;
    const crypto_curve p = CRYPTO_CURVE_NIST_P256;
    uint8_t der[CRYPTO_SIGNATURE_DER_MAX];
    size_t len = 99;
    size_t n;
    uint8_t *plain = test_hex("0000000000000000000000000000000000000000000000000000000000000000"
                              "0000000000000000000000000000000000000000000000000000000000000001",
                              &n);
    assert_int_equal(crypto_signature_plain_to_der(p, plain, der, sizeof(der), &len),
                     AW_ERR_SIGNATURE_FORMAT); /* r = 0 */
    assert_int_equal(len, 0);
    free(plain);
    plain = test_hex("0000000000000000000000000000000000000000000000000000000000000001" P256_N,
                     &n);
    assert_int_equal(crypto_signature_plain_to_der(p, plain, der, sizeof(der), &len),
                     AW_ERR_SIGNATURE_FORMAT); /* s = n */
    free(plain);
    plain = test_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
                     "0000000000000000000000000000000000000000000000000000000000000001",
                     &n);
    assert_int_equal(crypto_signature_plain_to_der(p, plain, der, sizeof(der), &len),
                     AW_ERR_SIGNATURE_FORMAT); /* r > n */
    free(plain);
    plain = test_hex("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
                     "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8",
                     &n);
    assert_int_equal(crypto_signature_plain_to_der(p, plain, der, 71, &len),
                     AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(crypto_signature_plain_to_der(p, plain, der, 72, &len), AW_OK);
    assert_int_equal(len, 72);
    assert_int_equal(crypto_signature_plain_to_der(p, plain, der, sizeof(der), NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_signature_plain_to_der(p, NULL, der, sizeof(der), &len),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_signature_plain_to_der(p, plain, NULL, sizeof(der), &len),
                     AW_ERR_ARGUMENT);
    assert_int_equal(crypto_signature_plain_to_der((crypto_curve)0, plain, der, sizeof(der),
                                                   &len), AW_ERR_ARGUMENT);
    free(plain);
}

int crypto_ecdsa_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cavp_sigver_p256),
        cmocka_unit_test(test_rfc6979_p256_verify),
        cmocka_unit_test(test_sign_verify_round_trip),
        cmocka_unit_test(test_verify_out_of_range),
        cmocka_unit_test(test_signature_conversion),
        cmocka_unit_test(test_signature_der_rejected),
        cmocka_unit_test(test_signature_plain_rejected),
    };
    return cmocka_run_group_tests_name("crypto_ecdsa", tests, NULL, NULL);
}
