/* Writes the seeds of SGP.32 immediate profile enabling and profile rollback:
 * for fuzz_euicc_sgp32, a ProfileRollbackRequest (BF58,
 * ES10b.ProfileRollback), an ImmediateEnableRequest (BF5A) and a
 * ConfigureImmediateProfileEnablingRequest (BF59), and eUICC Packages (5.9.1)
 * with a configureImmediateEnable PSMO carrying all three components and an
 * enable PSMO with rollbackFlag (2.11.1.1), signed with the fixed eIM key of
 * euicc_sgp32_fuzz_eim.h for the test PKI's EID; for fuzz_euicc_state, an
 * EuiccState body with the immediateEnable [8] and rollback [9] components
 * (state.h). All encoded with the project's own codecs. Usage:
 * gen_euicc_sgp32_enable_seeds CORPUS_ROOT (run by hand, not a test). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sgp32_tags.h"
#include "euicc/state.h"
#include "euicc_sgp32_fuzz_eim.h"

static int failures;

static void save(const char *root, const char *target, const char *name, aw_err err,
                 uint8_t prefix, bool use_prefix, const uint8_t *data, size_t len)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
    FILE *f = err == AW_OK ? fopen(path, "wb") : NULL;
    if (f == NULL || (use_prefix && fwrite(&prefix, 1, 1, f) != 1) ||
        fwrite(data, 1, len, f) != len) {
        fprintf(stderr, "gen_euicc_sgp32_enable_seeds: %s failed\n", name);
        failures++;
    }
    if (f != NULL)
        fclose(f);
}

/* Sign package as the eIM (SGP.32 2.11.1.1: euiccPackageSigned || 84 01 00)
 * and save the EuiccPackageRequest. */
static void save_package(const char *root, const char *name, const crypto_key *key,
                         sgp32_euicc_package_signed *package)
{
    uint8_t *tbs = NULL, *input = NULL, *out = NULL;
    size_t tbs_len = 0, input_len = 0, out_len = 0;
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    der_builder b;
    sgp32_euicc_package_request *request = calloc(1, sizeof(*request));
    package->eim_id = (aw_slice){(const uint8_t *)FUZZ_EIM_ID, strlen(FUZZ_EIM_ID)};
    package->eid_value = (aw_slice){fuzz_eid, sizeof(fuzz_eid)};
    package->counter_value = 1;
    aw_err err = request == NULL ? AW_ERR_NOMEM
                                 : sgp32_encode_euicc_package_signed(package, &tbs, &tbs_len);
    if (err == AW_OK) {
        der_builder_init(&b);
        der_put_raw(&b, tbs, tbs_len);
        der_put_int64(&b, DER_CTX(4), 0);
        err = der_builder_finish(&b, &input, &input_len);
    }
    if (err == AW_OK)
        err = crypto_sign_ecdsa(key, input, input_len, signature);
    if (err == AW_OK) {
        request->euicc_package_signed = *package;
        request->euicc_package_signed.raw = (aw_slice){tbs, tbs_len};
        request->eim_signature = (aw_slice){signature, sizeof(signature)};
        err = sgp32_encode_euicc_package_request(request, &out, &out_len);
    }
    save(root, "fuzz_euicc_sgp32", name, err, 0, false, out, out_len);
    free(out);
    free(request);
    free(tbs);
    free(input);
}

static void package_seeds(const char *root, const crypto_key *key)
{
    /* the second profile the fuzz target installs (8944500000000000022) */
    static const uint8_t iccid[10] = {0x98, 0x44, 0x05, 0, 0, 0, 0, 0, 0x20, 0xF2};
    static const uint8_t oid[] = {0x88, 0x37, 0x0A};
    sgp32_euicc_package_signed *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        failures++;
        return;
    }
    p->euicc_package.kind = SGP32_EUICC_PACKAGE_PSMO_LIST;
    p->euicc_package.psmo_count = 1;
    sgp32_psmo *psmo = &p->euicc_package.psmos[0];
    psmo->kind = SGP32_PSMO_CONFIGURE_IMMEDIATE_ENABLE;
    psmo->configure_immediate_enable.immediate_enable_flag = true;
    psmo->configure_immediate_enable.has_default_smdp_oid = true;
    psmo->configure_immediate_enable.default_smdp_oid = (aw_slice){oid, sizeof(oid)};
    psmo->configure_immediate_enable.has_default_smdp_address = true;
    psmo->configure_immediate_enable.default_smdp_address =
        (aw_slice){(const uint8_t *)"smdp.example.com", 16};
    save_package(root, "psmo_configure_immediate_enable_all", key, p);
    memset(psmo, 0, sizeof(*psmo));
    psmo->kind = SGP32_PSMO_ENABLE;
    psmo->enable.iccid = (aw_slice){iccid, sizeof(iccid)};
    psmo->enable.rollback_flag = true;
    save_package(root, "psmo_enable_rollback", key, p);
    free(p);
}

/* ProfileRollbackRequest ::= [88] SEQUENCE { refreshFlag [0] BOOLEAN } */
static void rollback_seed(const char *root)
{
    der_builder b;
    uint8_t *out = NULL;
    size_t len = 0;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_PROFILE_ROLLBACK);
    der_put_bool(&b, DER_CTX(0), false);
    der_builder_end(&b);
    aw_err err = der_builder_finish(&b, &out, &len);
    save(root, "fuzz_euicc_sgp32", "profile_rollback", err, 0, false, out, len);
    free(out);
}

/* ImmediateEnableRequest ::= [90] SEQUENCE { refreshFlag [0] BOOLEAN } and
 * ConfigureImmediateProfileEnablingRequest ::= [89] SEQUENCE {
 * immediateEnableFlag [0] NULL, defaultSmdpOid [1], defaultSmdpAddress [2] }
 * (SGP.32 ES10b.ImmediateEnable / ConfigureImmediateProfileEnabling) */
static void immediate_enable_seeds(const char *root)
{
    static const uint8_t oid[] = {0x88, 0x37, 0x0A};
    der_builder b;
    uint8_t *out = NULL;
    size_t len = 0;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_IMMEDIATE_ENABLE);
    der_put_bool(&b, DER_CTX(0), true);
    der_builder_end(&b);
    aw_err err = der_builder_finish(&b, &out, &len);
    save(root, "fuzz_euicc_sgp32", "immediate_enable", err, 0, false, out, len);
    free(out);
    out = NULL;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_CONFIGURE_IMMEDIATE_PROFILE_ENABLING);
    der_put_null(&b, DER_CTX(0));
    der_put_tlv(&b, DER_CTX(1), oid, sizeof(oid));
    der_put_tlv(&b, DER_CTX(2), (const uint8_t *)"smdp.example.com", 16);
    der_builder_end(&b);
    err = der_builder_finish(&b, &out, &len);
    save(root, "fuzz_euicc_sgp32", "configure_immediate_profile_enabling", err, 0, false, out,
         len);
    free(out);
    out = NULL;
    /* EuiccMemoryResetRequest ::= [100] SEQUENCE { resetOptions [2] BIT
     * STRING } (SGP.32 5.9.5) with resetEimConfigData(5) and
     * resetImmediateEnableConfig(6) */
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_EUICC_MEMORY_RESET);
    der_put_named_bits(&b, DER_CTX(2), (1u << 5) | (1u << 6));
    der_builder_end(&b);
    err = der_builder_finish(&b, &out, &len);
    save(root, "fuzz_euicc_sgp32", "euicc_memory_reset", err, 0, false, out, len);
    free(out);
}

/* fuzz_euicc_state: a body (first byte 0, see that target) with both new
 * components, taken as the fourth TLV of an encoded file. */
static void state_seed(const char *root)
{
    static const uint8_t iccid[10] = {0x98, 0x44, 0x05, 0, 0, 0, 0, 0, 0x10, 0xF4};
    euicc_state *state = calloc(1, sizeof(*state));
    uint8_t *file = NULL;
    size_t file_len = 0;
    der_node top, node;
    der_reader r;
    if (state == NULL) {
        failures++;
        return;
    }
    state->next_sequence_number = 3;
    snprintf(state->root_ds_address, sizeof(state->root_ds_address), "smds.example");
    state->immediate_enable = (euicc_immediate_enable){.configured = true,
                                                       .flag = true,
                                                       .default_smdp_oid_len = 3,
                                                       .default_smdp_oid = {0x88, 0x37, 0x0A},
                                                       .has_default_smdp_address = true,
                                                       .default_smdp_address = "smdp.example"};
    state->rollback = (euicc_rollback){.pending = true, .has_previous_iccid = true,
                                       .eim_id = FUZZ_EIM_ID, .counter_value = 2};
    memcpy(state->rollback.previous_iccid, iccid, sizeof(iccid));
    aw_err err = euicc_state_encode(state, &file, &file_len);
    if (err == AW_OK)
        err = der_decode_single(file, file_len, &top);
    if (err == AW_OK)
        der_reader_init(&r, top.value.ptr, top.value.len);
    for (int i = 0; err == AW_OK && i < 4; i++)
        err = der_read_node(&r, &node);
    save(root, "fuzz_euicc_state", "immediate_enable_state_body", err, 0, true,
         err == AW_OK ? node.raw.ptr : NULL, err == AW_OK ? node.raw.len : 0);
    free(file);
    euicc_state_clear(state);
    free(state);
}

int main(int argc, char **argv)
{
    crypto_key *key = NULL;
    if (argc != 2) {
        fprintf(stderr, "usage: gen_euicc_sgp32_enable_seeds CORPUS_ROOT\n");
        return 2;
    }
    if (fuzz_eim_key(&key) != AW_OK)
        return 1;
    package_seeds(argv[1], key);
    rollback_seed(argv[1]);
    immediate_enable_seeds(argv[1]);
    state_seed(argv[1]);
    crypto_key_free(key);
    return failures == 0 ? 0 : 1;
}
