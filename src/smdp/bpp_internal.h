/* airwrite SM-DP+: helpers shared by bpp.c and bpp_metadata.c (SGP.22
 * ES8+ 5.5.2, 5.5.3). Not part of the public API. */
#ifndef AIRWRITE_SMDP_BPP_INTERNAL_H
#define AIRWRITE_SMDP_BPP_INTERNAL_H

#include "smdp/bpp.h"

/* Iccid ::= [APPLICATION 26] OCTET STRING (SIZE(10)), EF.ICCID coding */
#define SMDP_ICCID_SIZE 10u

/* StoreMetadataRequest (BF25) for the metadata (already checked) and the
 * package's ICCID. *out is freed with der_bytes_free. */
aw_err smdp_encode_store_metadata(const smdp_profile_metadata *metadata,
                                  const uint8_t iccid[SMDP_ICCID_SIZE],
                                  uint8_t **out, size_t *out_len);

/* ConfigureISDPRequest (BF24) with dpProprietaryData {dpOid}; dp_oid is
 * dotted. AW_ERR_PKI_SUBJECT_ALT_NAME when it is not an OID. */
aw_err smdp_encode_configure_isdp(const char *dp_oid, uint8_t **out, size_t *out_len);

#endif
