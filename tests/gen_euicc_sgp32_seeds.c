/* Writes the seed corpus of fuzz_euicc_sgp32: one command per SGP.32
 * function of the software eUICC (AddInitialEim 5.9.16,
 * GetEimConfigurationData 5.9.18, IpaEuiccDataRequest 2.11.2,
 * EimAcknowledgements 6.3.2.7) and eUICC Packages (5.9.1) with each PSMO
 * and eCO, signed with the fixed eIM key of euicc_sgp32_fuzz_eim.h for the
 * test PKI's EID, all encoded with the project's SGP.32 codecs; and one
 * fuzz_euicc_state seed, a state body with eIMs and package results.
 * Usage: gen_euicc_sgp32_seeds CORPUS_ROOT (run by hand, not a test). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sgp22_notification.h"
#include "core/sgp32_ipa.h"
#include "euicc/state.h"
#include "euicc_sgp32_fuzz_eim.h"

static char dir[1024];
static int failures;
static crypto_key *eim_key;
static aw_slice key_data;

static uint8_t *out;
static size_t out_len;

/* Write the encoding an encoder just left in out/out_len (passed through
 * globals: an argument would be read before the encoder runs). */
static void save(const char *name, aw_err err)
{
    uint8_t *data = out;
    size_t len = out_len;
    out = NULL;
    out_len = 0;
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = err == AW_OK ? fopen(path, "wb") : NULL;
    if (f == NULL || fwrite(data, 1, len, f) != len) {
        fprintf(stderr, "gen_euicc_sgp32_seeds: %s failed\n", name);
        failures++;
    }
    if (f != NULL)
        fclose(f);
    free(data);
}

/* Sign package (SGP.32 2.11.1.1: euiccPackageSigned || 84 01 00) and save
 * the EuiccPackageRequest. */
static void save_package(const char *name, sgp32_euicc_package_signed *package)
{
    uint8_t *tbs = NULL, *input = NULL;
    size_t tbs_len = 0, input_len = 0;
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    der_builder b;
    package->eim_id = (aw_slice){(const uint8_t *)FUZZ_EIM_ID, strlen(FUZZ_EIM_ID)};
    package->eid_value = (aw_slice){fuzz_eid, sizeof(fuzz_eid)};
    package->counter_value = 1;
    aw_err err = sgp32_encode_euicc_package_signed(package, &tbs, &tbs_len);
    if (err == AW_OK) {
        der_builder_init(&b);
        der_put_raw(&b, tbs, tbs_len);
        der_put_int64(&b, DER_CTX(4), 0);
        err = der_builder_finish(&b, &input, &input_len);
    }
    if (err == AW_OK)
        err = crypto_sign_ecdsa(eim_key, input, input_len, signature);
    sgp32_euicc_package_request *request = calloc(1, sizeof(*request));
    if (request == NULL)
        err = AW_ERR_NOMEM;
    if (err == AW_OK) {
        request->euicc_package_signed = *package;
        request->euicc_package_signed.raw = (aw_slice){tbs, tbs_len};
        request->eim_signature = (aw_slice){signature, sizeof(signature)};
        err = sgp32_encode_euicc_package_request(request, &out, &out_len);
    }
    save(name, err);
    free(request);
    free(tbs);
    free(input);
}

static sgp32_euicc_package_signed *psmo_package(sgp32_psmo_kind kind)
{
    static const uint8_t iccid[10] = {0x98, 0x44, 0x05, 0, 0, 0, 0, 0, 0x10, 0xF4};
    sgp32_euicc_package_signed *p = calloc(1, sizeof(*p));
    if (p == NULL)
        abort();
    p->euicc_package.kind = SGP32_EUICC_PACKAGE_PSMO_LIST;
    p->euicc_package.psmo_count = 1;
    sgp32_psmo *psmo = &p->euicc_package.psmos[0];
    psmo->kind = kind;
    switch (kind) {
    case SGP32_PSMO_ENABLE:
    case SGP32_PSMO_DISABLE:
    case SGP32_PSMO_DELETE:
        psmo->enable.iccid = (aw_slice){iccid, sizeof(iccid)};
        break;
    case SGP32_PSMO_SET_FALLBACK_ATTRIBUTE:
        psmo->set_fallback_attribute.iccid = (aw_slice){iccid, sizeof(iccid)};
        break;
    case SGP32_PSMO_LIST_PROFILE_INFO:
        psmo->list_profile_info = (aw_slice){(const uint8_t *)"\xBF\x2D\x00", 3};
        break;
    case SGP32_PSMO_SET_DEFAULT_DP_ADDRESS:
        psmo->set_default_dp_address.default_dp_address =
            (aw_slice){(const uint8_t *)"smdp.example", 12};
        break;
    default:
        break;
    }
    return p;
}

static void package_seeds(void)
{
    static const struct {
        const char *name;
        sgp32_psmo_kind kind;
    } psmos[] = {
        {"psmo_enable", SGP32_PSMO_ENABLE},
        {"psmo_disable", SGP32_PSMO_DISABLE},
        {"psmo_delete", SGP32_PSMO_DELETE},
        {"psmo_list_profile_info", SGP32_PSMO_LIST_PROFILE_INFO},
        {"psmo_get_rat", SGP32_PSMO_GET_RAT},
        {"psmo_set_default_dp_address", SGP32_PSMO_SET_DEFAULT_DP_ADDRESS},
        {"psmo_configure_immediate_enable", SGP32_PSMO_CONFIGURE_IMMEDIATE_ENABLE},
        {"psmo_set_fallback_attribute", SGP32_PSMO_SET_FALLBACK_ATTRIBUTE},
        {"psmo_unset_fallback_attribute", SGP32_PSMO_UNSET_FALLBACK_ATTRIBUTE},
    };
    for (size_t i = 0; i < sizeof(psmos) / sizeof(psmos[0]); i++) {
        sgp32_euicc_package_signed *p = psmo_package(psmos[i].kind);
        save_package(psmos[i].name, p);
        free(p);
    }
    sgp32_euicc_package_signed *p = calloc(1, sizeof(*p));
    if (p == NULL)
        abort();
    p->euicc_package.kind = SGP32_EUICC_PACKAGE_ECO_LIST;
    p->euicc_package.eco_count = 4;
    p->euicc_package.ecos[0].kind = SGP32_ECO_ADD_EIM;
    fuzz_eim_configuration(key_data, &p->euicc_package.ecos[0].add_eim);
    p->euicc_package.ecos[0].add_eim.eim_id = (aw_slice){(const uint8_t *)"eim2", 4};
    p->euicc_package.ecos[1].kind = SGP32_ECO_LIST_EIM;
    p->euicc_package.ecos[2].kind = SGP32_ECO_UPDATE_EIM;
    p->euicc_package.ecos[2].update_eim = p->euicc_package.ecos[0].add_eim;
    p->euicc_package.ecos[3].kind = SGP32_ECO_DELETE_EIM;
    p->euicc_package.ecos[3].delete_eim.eim_id = (aw_slice){(const uint8_t *)"eim2", 4};
    save_package("ecos", p);
    free(p);
}

/* fuzz_euicc_state: an EuiccState body (first byte 0, see that target)
 * with the SGP.32 components eims [6] and packageResults [7] (state.h). */
static void state_seed(void)
{
    euicc_state *state = calloc(1, sizeof(*state));
    sgp32_eim_configuration_data eim;
    sgp32_euicc_package_result result;
    uint8_t *file = NULL;
    size_t file_len = 0;
    der_node top, node;
    der_reader r;
    if (state == NULL)
        abort();
    state->next_sequence_number = 5;
    snprintf(state->root_ds_address, sizeof(state->root_ds_address), "smds.example");
    fuzz_eim_configuration(key_data, &eim);
    aw_err err = sgp32_encode_eim_configuration_data(&eim, &out, &out_len);
    if (err == AW_OK)
        err = euicc_state_add_eim(state, (aw_slice){out, out_len});
    free(out);
    memset(&result, 0, sizeof(result));
    result.kind = SGP32_EUICC_PACKAGE_RESULT_ERROR_UNSIGNED;
    result.error_unsigned.eim_id = eim.eim_id;
    if (err == AW_OK)
        err = sgp32_encode_euicc_package_result(&result, &out, &out_len);
    if (err == AW_OK)
        err = euicc_state_add_package_result(state, 4, (aw_slice){out, out_len});
    free(out);
    out = NULL;
    if (err == AW_OK)
        err = euicc_state_encode(state, &file, &file_len);
    if (err == AW_OK)
        err = der_decode_single(file, file_len, &top);
    der_reader_init(&r, top.value.ptr, top.value.len);
    for (int i = 0; err == AW_OK && i < 4; i++)
        err = der_read_node(&r, &node);
    if (err == AW_OK) {
        out = malloc(node.raw.len + 1);
        if (out == NULL)
            abort();
        out[0] = 0; /* a body */
        memcpy(out + 1, node.raw.ptr, node.raw.len);
        out_len = node.raw.len + 1;
    }
    save("sgp32_state_body", err);
    free(file);
    euicc_state_clear(state);
    free(state);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_euicc_sgp32_seeds CORPUS_ROOT\n");
        return 2;
    }
    snprintf(dir, sizeof(dir), "%s/fuzz_euicc_sgp32", argv[1]);
    uint8_t *kd = NULL;
    size_t kd_len = 0;
    if (fuzz_eim_key(&eim_key) != AW_OK || fuzz_eim_key_data(eim_key, &kd, &kd_len) != AW_OK)
        return 1;
    key_data = (aw_slice){kd, kd_len};

    sgp32_add_initial_eim_request *add = calloc(1, sizeof(*add));
    if (add == NULL)
        return 1;
    add->eim_configuration_count = 1;
    fuzz_eim_configuration(key_data, &add->eim_configurations[0]);
    add->eim_configurations[0].eim_id = (aw_slice){(const uint8_t *)"eim2", 4};
    save("add_initial_eim", sgp32_encode_add_initial_eim_request(add, &out, &out_len));
    free(add);

    sgp32_get_eim_configuration_data_request get = {0};
    save("get_eim_configuration_all",
         sgp32_encode_get_eim_configuration_data_request(&get, &out, &out_len));
    get.has_search_criteria = true;
    get.search_criteria.kind = SGP32_EIM_SEARCH_EIM_ID;
    get.search_criteria.eim_id = (aw_slice){(const uint8_t *)FUZZ_EIM_ID, strlen(FUZZ_EIM_ID)};
    save("get_eim_configuration_by_id",
         sgp32_encode_get_eim_configuration_data_request(&get, &out, &out_len));

    static const uint8_t tags[] = {0xA0, 0x81, 0xA2, 0xBF, 0x20, 0xBF, 0x22,
                                   0x83, 0x84, 0xA5, 0xA6, 0xA8, 0xA9};
    sgp32_ipa_euicc_data_request ipa = {.tag_list = {tags, sizeof(tags)}};
    save("ipa_euicc_data_all", sgp32_encode_ipa_euicc_data_request(&ipa, &out, &out_len));
    uint8_t bits[4];
    ipa.has_search_criteria_notification = true;
    ipa.search_criteria_notification.kind = SGP32_NOTIFICATION_SEARCH_OPERATION;
    sgp32_bit_string_from_flags(SGP22_NOTIFICATION_INSTALL, bits,
                                &ipa.search_criteria_notification.profile_management_operation);
    ipa.has_search_criteria_euicc_package_result = true;
    ipa.search_criteria_euicc_package_result.kind = SGP32_PACKAGE_RESULT_SEARCH_SEQ_NUMBER;
    ipa.search_criteria_euicc_package_result.seq_number = 3;
    save("ipa_euicc_data_search", sgp32_encode_ipa_euicc_data_request(&ipa, &out, &out_len));

    sgp32_eim_acknowledgements acks = {.count = 3, .seq_numbers = {1, 2, 3}};
    save("eim_acknowledgements", sgp32_encode_eim_acknowledgements(&acks, &out, &out_len));

    package_seeds();
    snprintf(dir, sizeof(dir), "%s/fuzz_euicc_state", argv[1]);
    state_seed();
    crypto_key_free(eim_key);
    free(kd);
    return failures == 0 ? 0 : 1;
}
