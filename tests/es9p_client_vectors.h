/* ES9+ test vectors shared by tests/test_es9p_client.c and
 * tests/gen_es9p_client_seeds.c (test code only): hand-built RSPDefinitions
 * messages (as in test_sgp22_es9.c, transactionId 0102..08) and the JSON
 * answer of the SGP.22 6.5 binding that carries an SGP.22 response. */
#ifndef AIRWRITE_TESTS_ES9P_CLIENT_VECTORS_H
#define AIRWRITE_TESTS_ES9P_CLIENT_VECTORS_H

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/base64.h"
#include "core/der.h"
#include "core/hex.h"

/* BF39 { 81 10 euiccChallenge, 83 10 "smdp.example.com", BF20 {...} } */
#define IAREQ \
    "BF39308110111111111111111111111111111111118310736D64702E6578616D706C652E636F6DBF2009" \
    "8203020200A900AA00"
/* BF39 { A0 { 80 08 txid, 30 serverSigned1, 5F37 40 sig, 04 14 ski, 30 certificate } } */
#define IARESP_OK \
    "BF3981B3A081B08008010203040506070830408008010203040506070881101111111111111111111111" \
    "11111111118310736D64702E6578616D706C652E636F6D8410222222222222222222222222222222225F" \
    "3740CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD0414F54172BDF98A95D65CBEB88A38A1C11D" \
    "800A85C33009020101300406022B06"
/* BF3B { A0 { 80 08 txid, BF25, 30 smdpSigned2, 5F37 40 sig, 30 certificate } } */
#define ACRESP_OK \
    "BF3B7EA07C80080102030405060708BF25125A0A9800103254769810321491024F709200300D80080102" \
    "0304050607080101005F3740CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD3009020101300406" \
    "022B06"
/* BF41 { 80 08 txid, A1 { A0 { 30 {...}, 5F37 40 sig } } } */
#define CSREQ9 \
    "BF416680080102030405060708A15AA05830138008010203040506070881042B0601048201055F3740CD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD" \
    "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD"

#define ES9P_VECTOR_SUCCESS_HEADER \
    "\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}"

/* The members of the 6.5.2.6 and 6.5.2.8 answers, component order. */
static const char *const es9p_vector_initiate_names[] = {
    "transactionId", "serverSigned1", "serverSignature1", "euiccCiPKIdToBeUsed",
    "serverCertificate"};
static const char *const es9p_vector_authenticate_names[] = {
    "transactionId", "profileMetadata", "smdpSigned2", "smdpSignature2", "smdpCertificate"};

/* Base64 of data (malloc'd; NULL when out of memory). */
static inline char *es9p_vector_base64(const uint8_t *data, size_t len)
{
    size_t cap = aw_base64_encoded_length(len) + 1;
    char *text = malloc(cap);
    if (text != NULL && aw_base64_encode(data, len, text, cap) != AW_OK) {
        free(text);
        text = NULL;
    }
    return text;
}

/* The JSON of an Ok answer built from the components of the SGP.22
 * response hex (names[i] for the i-th component; the first, transactionId,
 * as hex digits, the others base64 of their TLV). malloc'd; NULL when the
 * vector does not have count components. */
static inline char *es9p_vector_ok_json(const char *hex, const char *const *names, size_t count)
{
    uint8_t der[1024];
    size_t len = 0;
    der_reader top, choice, items;
    der_node outer, ok, node;
    if (aw_hex_decode(hex, der, sizeof(der), &len) != AW_OK)
        return NULL;
    der_reader_init(&top, der, len);
    if (der_read_node(&top, &outer) != AW_OK || der_reader_enter(&top, &outer, &choice) != AW_OK ||
        der_read_node(&choice, &ok) != AW_OK || der_reader_enter(&choice, &ok, &items) != AW_OK)
        return NULL;
    json_t *root = json_loads("{" ES9P_VECTOR_SUCCESS_HEADER "}", 0, NULL);
    for (size_t i = 0; root != NULL && i < count; i++) {
        if (der_read_node(&items, &node) != AW_OK) {
            json_decref(root);
            return NULL;
        }
        if (i == 0) {
            char tid[33];
            if (node.value.len > 16) {
                json_decref(root);
                return NULL;
            }
            aw_hex_encode(node.value.ptr, node.value.len, tid, true);
            json_object_set_new(root, names[i], json_string(tid));
        } else {
            char *text = es9p_vector_base64(node.raw.ptr, node.raw.len);
            json_object_set_new(root, names[i], json_string(text));
            free(text);
        }
    }
    char *json = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    return json;
}

#endif
