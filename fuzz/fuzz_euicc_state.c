/* libFuzzer target: the eUICC state file decoder (src/euicc/state_codec.c,
 * layout in state.h). The file's HMAC keeps mutated files out of the body
 * decoder, so the harness can also MAC the input itself: first byte bit 0
 * set: the rest is decoded as a whole file; clear: the rest is an
 * EuiccState body, wrapped with the right version, key id and HMAC.
 * Properties: no crash; a state that decodes re-encodes to a file that
 * decodes again to the same encoding; sealed packages never open (the
 * harness does not know K-ENC's plaintexts, and GCM must refuse them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/der.h"
#include "euicc/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char directory[] = "/tmp/aw-fuzz-state-XXXXXX";
static euicc_state *state;

static void remove_directory(void)
{
    char cmd[64];
    euicc_state_free(state);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", directory);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_euicc_state: could not remove %s\n", directory);
}

/* SEQUENCE { 02 01 01, 02 01 01, 04 08 keyId, body, 04 20 HMAC } */
static aw_err wrap_body(const uint8_t *body, size_t len, uint8_t **out, size_t *out_len)
{
    der_builder b;
    uint8_t *signed_part = NULL, mac[32];
    size_t signed_len = 0;
    der_builder_init(&b);
    der_put_int64(&b, DER_TAG_INTEGER, EUICC_STATE_FORMAT_VERSION);
    der_put_int64(&b, DER_TAG_INTEGER, EUICC_STORAGE_KEY_VERSION);
    der_put_tlv(&b, DER_TAG_OCTET_STRING, state->key_id, sizeof(state->key_id));
    der_put_raw(&b, body, len);
    aw_err err = der_builder_finish(&b, &signed_part, &signed_len);
    if (err == AW_OK)
        err = euicc_state_hmac(state->mac_key, signed_part, signed_len, mac);
    if (err == AW_OK) {
        der_builder_init(&b);
        der_builder_begin(&b, DER_TAG_SEQUENCE);
        der_put_raw(&b, signed_part, signed_len);
        der_put_tlv(&b, DER_TAG_OCTET_STRING, mac, sizeof(mac));
        der_builder_end(&b);
        err = der_builder_finish(&b, out, out_len);
    }
    free(signed_part);
    return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (state == NULL) {
        char dir[64];
        if (mkdtemp(directory) == NULL)
            abort();
        snprintf(dir, sizeof(dir), "%s/state", directory);
        if (euicc_state_open(dir, "ds.example.com", &state) != AW_OK)
            abort();
        atexit(remove_directory);
    }
    if (size < 1)
        return 0;
    uint8_t *file = NULL;
    size_t file_len = 0;
    if (data[0] & 1) {
        file = malloc(size - 1 > 0 ? size - 1 : 1);
        if (file == NULL)
            return 0;
        memcpy(file, data + 1, size - 1);
        file_len = size - 1;
    } else if (wrap_body(data + 1, size - 1, &file, &file_len) != AW_OK) {
        return 0; /* an empty body cannot be framed */
    }
    if (euicc_state_decode(state, file, file_len) == AW_OK) {
        uint8_t *again = NULL, *third = NULL;
        size_t again_len = 0, third_len = 0;
        if (euicc_state_encode(state, &again, &again_len) != AW_OK ||
            euicc_state_decode(state, again, again_len) != AW_OK ||
            euicc_state_encode(state, &third, &third_len) != AW_OK || third_len != again_len ||
            memcmp(again, third, again_len) != 0)
            abort();
        for (size_t i = 0; i < state->profile_count; i++) {
            uint8_t *package = NULL;
            size_t package_len = 0;
            if (euicc_state_open_package(state, &state->profiles[i], &package, &package_len) ==
                AW_OK)
                abort();
        }
        free(again);
        free(third);
    }
    free(file);
    return 0;
}
