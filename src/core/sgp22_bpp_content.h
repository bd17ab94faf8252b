/* airwrite core: the plaintext commands carried inside a Bound Profile
 * Package once the eUICC has removed the BSP protection (SGP.22 2.5.4,
 * ES8+ 5.5.2 ConfigureISDP, 5.5.3 StoreMetadata, 5.5.4 ReplaceSessionKeys),
 * as typed DER codecs over SGP.22 RSPDefinitions.
 *
 * StoreMetadataRequest is also the profileMetaData of the ES9+
 * AuthenticateClient response (5.6.3). Decoding is zero-copy: slices point
 * into the input, which must outlive the struct. Every SEQUENCE struct has
 * `extensions` (later-version components, kept verbatim: EXTENSIBILITY
 * IMPLIED, see sgp22_field.h).
 */
#ifndef AIRWRITE_CORE_SGP22_BPP_CONTENT_H
#define AIRWRITE_CORE_SGP22_BPP_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/der.h"
#include "core/error.h"
#include "core/sgp22_info_common.h"  /* sgp22_operator_id (aw_sgp22_info) */
#include "core/sgp22_profile_info.h" /* sgp22_notification_configuration_list */

/* profileClass DEFAULT operational (ProfileClass operational(2)), 5.5.3 */
#define SGP22_STORE_METADATA_DEFAULT_PROFILE_CLASS 2

/* DpProprietaryData: "maximum size including tag and length field: 128 bytes" */
#define SGP22_DP_PROPRIETARY_DATA_MAX 128u

/* SGP.22 RSPDefinitions StoreMetadataRequest (BF25), ES8+ 5.5.3.
 * Vendor-specific and SGP.32-reserved components are kept as the content
 * octets of their constructed TLV, checked for well-formed DER. */
typedef struct sgp22_store_metadata_request {
    aw_slice raw;                   /* the exact BF25 TLV when decoded */
    aw_slice iccid;                 /* 10 octets, EF.ICCID coding */
    aw_slice service_provider_name; /* UTF8String SIZE(0..32) */
    aw_slice profile_name;          /* UTF8String SIZE(0..64) */
    bool has_icon_type;
    int64_t icon_type;              /* IconType: jpg(0), png(1) */
    bool has_icon;
    aw_slice icon;                  /* SIZE(0..1024) */
    /* ProfileClass test(0), provisioning(1), operational(2), DEFAULT
     * operational: when absent the decoder sets profile_class to operational
     * with has_profile_class false. X.690 11.5 has DER omit a DEFAULT value,
     * but SM-DP+ servers write '95 01 02' (see the BPP golden vector in
     * tests/test_sgp22_bpp.c), so it is accepted and kept: has_profile_class
     * tells whether the component was (or is to be) written. */
    bool has_profile_class;
    int64_t profile_class;
    bool has_notification_configuration_info;
    /* [22] 'B6': decoded as raw content + count (every entry checked; walk it
     * with sgp22_notification_configuration_list_next); encoded from items
     * when set, else raw. Type and iterator from sgp22_profile_info. */
    sgp22_notification_configuration_list notification_configuration_info;
    bool has_profile_owner;
    sgp22_operator_id profile_owner; /* [23] 'B7', codec in sgp22_info_common */
    bool has_profile_policy_rules;
    uint32_t profile_policy_rules;  /* PprIds bits: pprUpdateControl(0), ppr1(1), ppr2(2) */
    bool has_service_specific_data_stored_in_euicc;
    aw_slice service_specific_data_stored_in_euicc;     /* [34] content */
    bool has_service_specific_data_not_stored_in_euicc;
    aw_slice service_specific_data_not_stored_in_euicc; /* [35] content */
    bool has_ecall_indication;
    bool ecall_indication;          /* [123], reserved for SGP.32 */
    bool has_fallback_allowed;
    bool fallback_allowed;          /* [103], reserved for SGP.32 */
    bool has_iot_specific_metadata;
    aw_slice iot_specific_metadata; /* [100] content, reserved for SGP.32 */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_store_metadata_request;

/* SGP.22 RSPDefinitions ConfigureISDPRequest (BF24), ES8+ 5.5.2. */
typedef struct sgp22_configure_isdp_request {
    aw_slice raw;
    bool has_dp_proprietary_data;
    aw_slice dp_oid;          /* OBJECT IDENTIFIER content octets, [0] in DpProprietaryData */
    aw_slice dp_additional;   /* further SM-DP+ data objects after dpOid (may be empty) */
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_configure_isdp_request;

/* SGP.22 RSPDefinitions ReplaceSessionKeysRequest (BF26), ES8+ 5.5.4.
 * ppk_enc and ppk_cmac are session keys: the buffer they point into is the
 * caller's secret and must be erased by the caller after use. */
typedef struct sgp22_replace_session_keys_request {
    aw_slice raw;
    aw_slice initial_mac_chaining_value;
    aw_slice ppk_enc;
    aw_slice ppk_cmac;
    aw_slice extensions; /* later-version components, kept verbatim */
} sgp22_replace_session_keys_request;

aw_err sgp22_decode_store_metadata_request(const uint8_t *buf, size_t len,
                                           sgp22_store_metadata_request *out);
void sgp22_put_store_metadata_request(der_builder *b, const sgp22_store_metadata_request *in);
aw_err sgp22_encode_store_metadata_request(const sgp22_store_metadata_request *in,
                                           uint8_t **out, size_t *len);

aw_err sgp22_decode_configure_isdp_request(const uint8_t *buf, size_t len,
                                           sgp22_configure_isdp_request *out);
void sgp22_put_configure_isdp_request(der_builder *b, const sgp22_configure_isdp_request *in);
aw_err sgp22_encode_configure_isdp_request(const sgp22_configure_isdp_request *in,
                                           uint8_t **out, size_t *len);

aw_err sgp22_decode_replace_session_keys_request(const uint8_t *buf, size_t len,
                                                 sgp22_replace_session_keys_request *out);
void sgp22_put_replace_session_keys_request(der_builder *b,
                                            const sgp22_replace_session_keys_request *in);
/* The encoding holds the session keys: free it with der_bytes_free. */
aw_err sgp22_encode_replace_session_keys_request(const sgp22_replace_session_keys_request *in,
                                                 uint8_t **out, size_t *len);

#endif
