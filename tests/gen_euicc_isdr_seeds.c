/* Writes the seed corpora of fuzz_euicc_isdr (one ES10 command per function
 * of the ISD-R core, SGP.22 5.7.3-5.7.22, encoded with the project's own
 * SGP.22 codecs) and fuzz_euicc_state (state files and bodies made by the
 * state codec, see state.h). Usage: gen_euicc_isdr_seeds CORPUS_ROOT (run by
 * hand, not a test). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>

#include "core/sgp22_bpp.h"
#include "core/sgp22_bpp_content.h"
#include "euicc/state.h"

#include "core/sgp22_auth.h"
#include "core/sgp22_download.h"
#include "core/sgp22_euicc_info.h"
#include "core/sgp22_notification.h"
#include "core/sgp22_profile_info.h"

static char dir[1024];
static int failures;

static uint8_t *out;
static size_t len;

/* Write the encoding an sgp22_encode_* call just left in out/len. */
static void save(const char *name, aw_err err)
{
    uint8_t *data = out;
    out = NULL;
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = err == AW_OK ? fopen(path, "wb") : NULL;
    if (f == NULL || fwrite(data, 1, len, f) != len) {
        fprintf(stderr, "gen_euicc_isdr_seeds: %s failed\n", name);
        failures++;
    }
    if (f != NULL)
        fclose(f);
    free(data);
}

/* Write prefix || data as DIR/name. */
static void save_bytes(const char *name, uint8_t prefix, const uint8_t *data, size_t data_len)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fputc(prefix, f) == EOF || fwrite(data, 1, data_len, f) != data_len) {
        fprintf(stderr, "gen_euicc_isdr_seeds: %s failed\n", name);
        failures++;
    }
    if (f != NULL)
        fclose(f);
}

/* A file and its EuiccState body (the fourth TLV of the file). */
static void save_state(const char *name, const euicc_state *state)
{
    uint8_t *file = NULL;
    size_t file_len = 0;
    der_node top, node;
    der_reader r;
    char file_name[128];
    if (euicc_state_encode(state, &file, &file_len) != AW_OK ||
        der_decode_single(file, file_len, &top) != AW_OK) {
        failures++;
        free(file);
        return;
    }
    der_reader_init(&r, top.value.ptr, top.value.len);
    for (int i = 0; i < 4; i++)
        if (der_read_node(&r, &node) != AW_OK)
            failures++;
    snprintf(file_name, sizeof(file_name), "%s_file", name);
    save_bytes(file_name, 1, file, file_len);
    snprintf(file_name, sizeof(file_name), "%s_body", name);
    save_bytes(file_name, 0, node.raw.ptr, node.raw.len);
    free(file);
}

/* An empty state and one with a profile and two notifications. */
static void state_seeds(void)
{
    char tmp[] = "/tmp/aw-gen-state-XXXXXX", state_dir[64];
    euicc_state *state = NULL;
    static const uint8_t iccid[10] = {0x98, 0x44, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xF4};
    static const uint8_t aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x10, 0x00};
    static const uint8_t oid[] = {0x88, 0x37, 0x0A}, certificate[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    uint8_t signature[64] = {0};
    if (mkdtemp(tmp) == NULL) {
        failures++;
        return;
    }
    snprintf(state_dir, sizeof(state_dir), "%s/state", tmp);
    if (euicc_state_open(state_dir, "lpa.ds.gsma.com", &state) != AW_OK) {
        failures++;
        return;
    }
    save_state("empty", state);
    sgp22_store_metadata_request m = {.iccid = {iccid, 10},
                                      .service_provider_name = {(const uint8_t *)"seed", 4},
                                      .profile_name = {(const uint8_t *)"seed", 4}};
    sgp22_notification_metadata nm = {.seq_number = 0, .profile_management_operation = 1,
                                      .notification_address = {(const uint8_t *)"smdp.example", 12},
                                      .has_iccid = true, .iccid = {iccid, 10}};
    uint8_t *metadata = NULL, *nm_der = NULL, *pir = NULL, *other = NULL;
    size_t metadata_len = 0, nm_len = 0, pir_len = 0, other_len = 0;
    bool ok = sgp22_encode_store_metadata_request(&m, &metadata, &metadata_len) == AW_OK &&
              sgp22_encode_notification_metadata(&nm, &nm_der, &nm_len) == AW_OK;
    sgp22_profile_installation_result r = {
        .data = {.transaction_id = {oid, 3}, .notification_metadata = {nm_der, nm_len},
                 .smdp_oid = {oid, 3}, .final_result = SGP22_FINAL_RESULT_SUCCESS},
        .euicc_sign_pir = {signature, 64}};
    r.data.success.aid = (aw_slice){aid, 16};
    r.data.success.sima_response = (aw_slice){(const uint8_t *)"\x30\x00", 2};
    sgp22_other_signed_notification o = {.euicc_notification_signature = {signature, 64},
                                         .euicc_certificate = {certificate, 5},
                                         .eum_certificate = {certificate, 5}};
    o.tbs_other_notification = nm;
    o.tbs_other_notification.seq_number = 1;
    o.tbs_other_notification.profile_management_operation = SGP22_NOTIFICATION_ENABLE;
    ok = ok && sgp22_encode_profile_installation_result(&r, &pir, &pir_len) == AW_OK &&
         sgp22_encode_other_signed_notification(&o, &other, &other_len) == AW_OK &&
         euicc_state_add_profile(state, iccid, aid, 16, (aw_slice){metadata, metadata_len},
                                 (aw_slice){(const uint8_t *)"\x30\x00", 2}) == AW_OK &&
         euicc_state_add_notification(state, euicc_state_take_sequence_number(state),
                                      SGP22_NOTIFICATION_INSTALL,
                                      (aw_slice){(const uint8_t *)"smdp.example", 12}, iccid,
                                      (aw_slice){pir, pir_len}) == AW_OK &&
         euicc_state_add_notification(state, euicc_state_take_sequence_number(state),
                                      SGP22_NOTIFICATION_ENABLE,
                                      (aw_slice){(const uint8_t *)"notify.example", 14}, iccid,
                                      (aw_slice){other, other_len}) == AW_OK;
    if (!ok)
        failures++;
    state->profiles[0].enabled = true;
    state->profiles[0].has_nickname = true;
    snprintf(state->profiles[0].nickname, 8, "seed");
    state->has_default_dp_address = true;
    snprintf(state->default_dp_address, 20, "smdp.example.com");
    save_state("profile", state);
    free(metadata);
    free(nm_der);
    free(pir);
    free(other);
    euicc_state_free(state);
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        failures++;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_euicc_isdr_seeds CORPUS_ROOT\n");
        return 2;
    }
    snprintf(dir, sizeof(dir), "%s/fuzz_euicc_state", argv[1]);
    state_seeds();
    snprintf(dir, sizeof(dir), "%s/fuzz_euicc_isdr", argv[1]);
    static const uint8_t iccid[10] = {0x98, 0x44, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xF4};
    static const uint8_t aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x10, 0x00};
    static const uint8_t tag_eid = 0x5A;
    static const uint8_t tags[] = {0x5A, 0x4F, 0x9F, 0x70, 0x90, 0x95};

    sgp22_get_euicc_info1_request info1 = {0};
    save("get_euicc_info1", sgp22_encode_get_euicc_info1_request(&info1, &out, &len));
    sgp22_get_euicc_info2_request info2 = {0};
    save("get_euicc_info2", sgp22_encode_get_euicc_info2_request(&info2, &out, &len));
    sgp22_get_euicc_data_request eid = {.tag_list = {&tag_eid, 1}};
    save("get_eid", sgp22_encode_get_euicc_data_request(&eid, &out, &len));
    sgp22_get_rat_request rat = {0};
    save("get_rat", sgp22_encode_get_rat_request(&rat, &out, &len));
    sgp22_euicc_configured_addresses_request addresses = {0};
    save("get_addresses",
         sgp22_encode_euicc_configured_addresses_request(&addresses, &out, &len));
    sgp22_set_default_dp_address_request dp = {
        .default_dp_address = {(const uint8_t *)"smdp.example.com", 16}};
    save("set_default_dp", sgp22_encode_set_default_dp_address_request(&dp, &out, &len));
    sgp22_profile_info_list_request all = {0};
    save("profiles_all", sgp22_encode_profile_info_list_request(&all, &out, &len));
    sgp22_profile_info_list_request filtered = {.search_kind = SGP22_PROFILE_SEARCH_ICCID,
                                                .search_value = {iccid, 10},
                                                .has_tag_list = true,
                                                .tag_list = {tags, sizeof(tags)}};
    save("profiles_filtered", sgp22_encode_profile_info_list_request(&filtered, &out, &len));
    sgp22_enable_profile_request enable = {
        .profile_identifier = {SGP22_PROFILE_IDENTIFIER_ISDP_AID, {aid, 16}}};
    save("enable", sgp22_encode_enable_profile_request(&enable, &out, &len));
    sgp22_disable_profile_request disable = {
        .profile_identifier = {SGP22_PROFILE_IDENTIFIER_ICCID, {iccid, 10}}};
    save("disable", sgp22_encode_disable_profile_request(&disable, &out, &len));
    sgp22_delete_profile_request del = {
        .profile_identifier = {SGP22_PROFILE_IDENTIFIER_ICCID, {iccid, 10}}};
    save("delete", sgp22_encode_delete_profile_request(&del, &out, &len));
    sgp22_euicc_memory_reset_request reset = {.reset_options = SGP22_RESET_DEFAULT_SMDP_ADDRESS};
    save("memory_reset", sgp22_encode_euicc_memory_reset_request(&reset, &out, &len));
    sgp22_set_nickname_request nickname = {.iccid = {iccid, 10},
                                           .profile_nickname = {(const uint8_t *)"car", 3}};
    save("set_nickname", sgp22_encode_set_nickname_request(&nickname, &out, &len));
    sgp22_list_notification_request list = {.has_profile_management_operation = true,
                                            .profile_management_operation =
                                                SGP22_NOTIFICATION_ENABLE};
    save("list_notification", sgp22_encode_list_notification_request(&list, &out, &len));
    sgp22_retrieve_notifications_list_request retrieve = {
        .search_kind = SGP22_NOTIFICATION_SEARCH_SEQ_NUMBER, .seq_number = 1};
    save("retrieve_notifications",
         sgp22_encode_retrieve_notifications_list_request(&retrieve, &out, &len));
    sgp22_notification_sent_request sent = {.seq_number = 1};
    save("remove_notification", sgp22_encode_notification_sent_request(&sent, &out, &len));
    /* ES10b functions the dispatcher hands to the download engine */
    sgp22_get_euicc_challenge_request challenge = {0};
    save("get_euicc_challenge",
         sgp22_encode_get_euicc_challenge_request(&challenge, &out, &len));
    static const uint8_t transaction_id[16] = {0x11, 0x22, 0x33};
    sgp22_cancel_session_request cancel = {.transaction_id = {transaction_id, 16}, .reason = 1};
    save("cancel_session", sgp22_encode_cancel_session_request(&cancel, &out, &len));
    return failures == 0 ? 0 : 1;
}
