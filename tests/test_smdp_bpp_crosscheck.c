/* The SM-DP+ BPP (src/smdp/bpp.h) opened by an independent reference:
 * tests/crosscheck_crypto.py (Debian /usr/bin/python3 with
 * python3-cryptography, written from SGP.22, not from our C) verifies
 * smdpSign over remoteOpId .. smdpOtpk || 5F49 otPK.EUICC.ECKA (ES8+
 * 5.5.1), computes ShS and the session keys (2.6.4.2) from an eUICC
 * one-time key whose scalar the test knows, and removes the SCP03t
 * protection of every list in order (2.6.4), switching to the PPKs of the
 * ReplaceSessionKeysRequest for the '86' segments (5.5.4). Skipped with a
 * message when the reference cannot run. Run from test_smdp_bpp.c. */
#include "smdp_bpp_testutil.h"

#include "crypto_testutil.h"

int smdp_bpp_crosscheck_tests(void);

/* 0x01 repeated: a valid scalar on both curves (below either order). */
static const char euicc_scalar[] =
    "0101010101010101010101010101010101010101010101010101010101010101";

/* snprintf into args, failing the test rather than truncating. */
#define FORMAT_ARGS(...) \
    assert_true((size_t)snprintf(args, sizeof(args), __VA_ARGS__) < sizeof(args))

static char *hex_slice(aw_slice s)
{
    return hex_of(s.ptr, s.len);
}

static void crosscheck(aw_pki_curve curve, bool replace_session_keys)
{
    fixture fx;
    size_t template_len = 0, package_len = 0, bpp_len = 0;
    uint8_t *package = NULL, *bpp = NULL;
    uint8_t scalar[CRYPTO_SCALAR_SIZE];
    uint8_t dp_pb_point[CRYPTO_POINT_SIZE];
    size_t scalar_len = 0;
    sgp22_bound_profile_package d;
    const char *curve_name = curve == AW_PKI_CURVE_NIST_P256 ? "p256" : "bp256";
    char args[65536];

    fx_open(&fx, curve);
    assert_int_equal(aw_hex_decode(euicc_scalar, scalar, sizeof(scalar), &scalar_len), AW_OK);
    crypto_key_free(fx.euicc_one_time);
    assert_int_equal(crypto_key_from_scalar(crypto_key_curve(fx.dp_pb_key), scalar,
                                            &fx.euicc_one_time), AW_OK);
    assert_int_equal(crypto_key_export_point(fx.euicc_one_time, fx.euicc_otpk), AW_OK);
    assert_int_equal(crypto_key_export_point(fx.dp_pb_key, dp_pb_point), AW_OK);
    uint8_t *template_package = fx_build_template(true, &template_len);
    assert_int_equal(smdp_personalise_profile(template_package, template_len, &fx.subscriber,
                                              &package, &package_len), AW_OK);
    fx.request.profile = package;
    fx.request.profile_len = package_len;
    fx.request.replace_session_keys = replace_session_keys;
    assert_int_equal(smdp_bpp_build(&fx.request, &bpp, &bpp_len), AW_OK);
    assert_int_equal(sgp22_decode_bound_profile_package(bpp, bpp_len, &d), AW_OK);
    const sgp22_initialise_secure_channel_request *isc = &d.initialise_secure_channel_request;

    /* smdpSign */
    char *point_hex = hex_of(dp_pb_point, sizeof(dp_pb_point));
    char *signed_hex = hex_slice(isc->signed_part);
    char *otpk_hex = hex_of(fx.euicc_otpk, sizeof(fx.euicc_otpk));
    char *sign_hex = hex_slice(isc->smdp_sign);
    FORMAT_ARGS("verify %s %s %s5f4941%s %s", curve_name, point_hex,
             signed_hex, otpk_hex, sign_hex);
    char *out = crosscheck_python(args);
    assert_string_equal(out, "ok\n");
    free(out);

    /* ShS and the session keys */
    char *smdp_otpk_hex = hex_slice(isc->smdp_otpk);
    FORMAT_ARGS("ecdh %s %s %s", curve_name, euicc_scalar, smdp_otpk_hex);
    char *shared = crosscheck_python(args);
    shared[strcspn(shared, "\n")] = '\0';
    char *host_hex = hex_slice(isc->control_ref_template.host_id);
    char *eid_hex = hex_of(fx.eid, CRYPTO_EID_SIZE);
    FORMAT_ARGS("session %s %s %s", shared, host_hex, eid_hex);
    /* "session" prints MCV, S-ENC, S-MAC; "bsp-unprotect" takes S-ENC,
     * S-MAC, MCV */
    char *keys = crosscheck_python(args);
    char *mcv_line = strtok(keys, "\n");
    char *enc_line = strtok(NULL, "\n");
    char *mac_line = strtok(NULL, "\n");
    assert_non_null(mac_line);
    char session[3 * 33 + 3];
    assert_true((size_t)snprintf(session, sizeof(session), "%s %s %s", enc_line, mac_line,
                                 mcv_line) < sizeof(session));
    free(keys);

    /* the lists, in order, under one BSP state */
    char *a0 = hex_slice(d.first_sequence_of87);
    char *a1 = hex_slice(d.sequence_of88);
    char *a2 = hex_slice(d.second_sequence_of87);
    char *a3 = hex_slice(d.sequence_of86);
    if (replace_session_keys)
        FORMAT_ARGS("bsp-unprotect %s 87:e:%s 88:m:%s 87:e:%s", session, a0,
                 a1, a2);
    else
        FORMAT_ARGS("bsp-unprotect %s 87:e:%s 88:m:%s 86:e:%s", session, a0,
                 a1, a3);
    char *lists = crosscheck_python(args);
    char *cursor = lists;
    size_t configure_len = 0, metadata_len = 0, last_len = 0;
    uint8_t *configure = next_hex_line(&cursor, &configure_len);
    uint8_t *metadata = next_hex_line(&cursor, &metadata_len);
    uint8_t *last = next_hex_line(&cursor, &last_len);
    sgp22_configure_isdp_request c;
    sgp22_store_metadata_request m;
    assert_int_equal(sgp22_decode_configure_isdp_request(configure, configure_len, &c), AW_OK);
    assert_true(c.has_dp_proprietary_data);
    assert_int_equal(sgp22_decode_store_metadata_request(metadata, metadata_len, &m), AW_OK);
    assert_int_equal(m.profile_name.len, strlen(fx.metadata.profile_name));

    if (replace_session_keys) {
        sgp22_replace_session_keys_request rsk;
        assert_int_equal(sgp22_decode_replace_session_keys_request(last, last_len, &rsk),
                         AW_OK);
        char *enc = hex_slice(rsk.ppk_enc), *mac = hex_slice(rsk.ppk_cmac);
        char *mcv = hex_slice(rsk.initial_mac_chaining_value);
        FORMAT_ARGS("bsp-unprotect %s %s %s 86:e:%s", enc, mac, mcv, a3);
        free(enc);
        free(mac);
        free(mcv);
        char *profile = crosscheck_python(args);
        char *p = profile;
        size_t opened_len = 0;
        uint8_t *opened = next_hex_line(&p, &opened_len);
        assert_int_equal(opened_len, package_len);
        assert_memory_equal(opened, package, package_len);
        free(opened);
        free(profile);
    } else {
        assert_int_equal(last_len, package_len);
        assert_memory_equal(last, package, package_len);
    }

    free(configure);
    free(metadata);
    free(last);
    free(lists);
    free(a0);
    free(a1);
    free(a2);
    free(a3);
    free(shared);
    free(host_hex);
    free(eid_hex);
    free(smdp_otpk_hex);
    free(point_hex);
    free(signed_hex);
    free(otpk_hex);
    free(sign_hex);
    der_bytes_free(bpp, bpp_len);
    der_bytes_free(package, package_len);
    der_bytes_free(template_package, template_len);
    fx_close(&fx);
}

static void test_reference_opens_bpp(void **state)
{
    (void)state;
    if (!crosscheck_available())
        skip();
    crosscheck(AW_PKI_CURVE_NIST_P256, false);
    crosscheck(AW_PKI_CURVE_NIST_P256, true);
    crosscheck(AW_PKI_CURVE_BRAINPOOL_P256R1, false);
    crosscheck(AW_PKI_CURVE_BRAINPOOL_P256R1, true);
}

int smdp_bpp_crosscheck_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_opens_bpp),
    };
    return cmocka_run_group_tests_name("smdp_bpp_crosscheck", tests, NULL, NULL);
}
