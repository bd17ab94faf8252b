/* airwrite core: types shared by the SGP.32 SGP32Definitions codecs.
 *
 * The codecs follow the public SGP32Definitions module (wireshark/wireshark
 * epan/dissectors/asn1/sgp32/SGP32Definitions.asn, OID sgp32v1(31)). That copy
 * is a superset of SGP.32 v1.2: it adds EimConfigurationData [10],
 * EuiccPackageErrorUnsigned [15] and IpaCapabilities [2], which the v1.2 module
 * (as published in osmocom/osmo-ttcn3-hacks library/euicc/SGP32DefinitionsV12.asn)
 * does not have. All three are OPTIONAL, so v1.2 peers never see them unless a
 * caller sets them, and a v1.2 peer that sends without them decodes unchanged.
 *
 * The module header is AUTOMATIC TAGS EXTENSIBILITY IMPLIED (SGP.32 2.1.3; the
 * wireshark copy comments the second line out because its compiler lacks it).
 * Every SEQUENCE is therefore extensible: components after the last known one
 * are kept verbatim in an `extensions` slice and written back by the encoders,
 * which is what keeps older (v1.0) and newer peers interoperable.
 */
#ifndef AIRWRITE_CORE_SGP32_COMMON_H
#define AIRWRITE_CORE_SGP32_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/der.h"
#include "core/error.h"

/* SIZE constraints of SGP.22 RSPDefinitions types used by SGP.32 */
#define SGP32_EID_LENGTH 16            /* Octet16 eidValue */
#define SGP32_ICCID_LENGTH 10          /* Iccid */
#define SGP32_TRANSACTION_ID_MAX 16    /* TransactionId: OCTET STRING (SIZE(1..16)) */
#define SGP32_EIM_ID_MAX 128           /* eimId UTF8String (SIZE(1..128)) */
#define SGP32_CHALLENGE_LENGTH 16      /* Octet16 euiccChallenge */
#define SGP32_HASH_CC_LENGTH 32        /* Octet32 hashCc */

/* A BIT STRING with named bits, kept as received (unused-bit count and data
 * octets) so a decode/encode round trip is byte-exact even when a peer does
 * not strip trailing zero bits. Bit n of the ASN.1 named list is the bit
 * (0x80 >> (n % 8)) of octet n / 8. */
typedef struct sgp32_bit_string {
    aw_slice bytes;
    unsigned unused_bits;
} sgp32_bit_string;

/* Named bits 0..31 as a mask (bit n of the ASN.1 list = 1u << n). */
uint32_t sgp32_bit_string_flags(const sgp32_bit_string *bits);

/* Build the DER form of a named-bit mask (X.690 11.2.2: trailing zero bits
 * removed) in storage, which must outlive *out. */
void sgp32_bit_string_from_flags(uint32_t flags, uint8_t storage[4], sgp32_bit_string *out);

/* An extensible empty SEQUENCE {} (getRAT, listEim, emptyResponse, ...). */
typedef struct sgp32_empty {
    aw_slice raw;
    aw_slice extensions;
} sgp32_empty;

/* Iterator over the elements of a SEQUENCE OF kept as a raw TLV slice
 * (notificationsList, euiccPackageResultList). */
typedef struct sgp32_list_iterator {
    der_reader reader;
} sgp32_list_iterator;

/* Start iterating the elements inside list_tlv (the whole list TLV).
 * AW_ERR_DER_* if list_tlv is not one constructed TLV. */
aw_err sgp32_list_iterator_init(sgp32_list_iterator *it, aw_slice list_tlv);

/* Next element TLV; AW_ERR_NOT_FOUND after the last one. */
aw_err sgp32_list_next(sgp32_list_iterator *it, aw_slice *element);

/* Re-tag an implicitly tagged SEQUENCE (e.g. eumCertificate [5] Certificate,
 * tag A5) as a universal SEQUENCE (tag 30), the form X.509 parsers expect.
 * *out is allocated (free with free); the signature of a Certificate covers
 * its tbsCertificate only, so re-tagging does not affect verification. */
aw_err sgp32_retag_as_sequence(aw_slice tagged_tlv, uint8_t **out, size_t *out_len);

#endif
