/* The fixed eIM of the fuzz_euicc_sgp32 target and its seed generator
 * (test and fuzz code only): a P-256 key from a fixed scalar, so packages
 * signed by gen_euicc_sgp32_seeds verify in every fuzzing process, its
 * EimConfigurationData (SGP.32 2.11.1, eimPublicKey as a
 * SubjectPublicKeyInfo, RFC 5480), and the EID of the test PKI
 * (AW_PKI_DEFAULT_EID) the packages are addressed to. */
#ifndef AIRWRITE_TESTS_EUICC_SGP32_FUZZ_EIM_H
#define AIRWRITE_TESTS_EUICC_SGP32_FUZZ_EIM_H

#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/der.h"
#include "core/sgp32_package.h"

#define FUZZ_EIM_ID "eim.fuzz.example"

/* 0x01..0x20: a valid P-256 scalar, not a secret of anything */
static inline aw_err fuzz_eim_key(crypto_key **out)
{
    uint8_t scalar[CRYPTO_SCALAR_SIZE];
    for (size_t i = 0; i < sizeof(scalar); i++)
        scalar[i] = (uint8_t)(i + 1);
    return crypto_key_from_scalar(CRYPTO_CURVE_NIST_P256, scalar, out);
}

/* BCD of AW_PKI_DEFAULT_EID 89049032000000000000000000000163 */
static const uint8_t fuzz_eid[16] = {0x89, 0x04, 0x90, 0x32, 0, 0, 0, 0,
                                     0,    0,    0,    0,    0, 0, 0x01, 0x63};

/* eimPublicKey [0] IMPLICIT SubjectPublicKeyInfo (tag A0) of key:
 * id-ecPublicKey with prime256v1 (RFC 5480 2.1.1) and the point. */
static inline aw_err fuzz_eim_key_data(const crypto_key *key, uint8_t **out, size_t *len)
{
    static const uint8_t algorithm[] = {0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D,
                                        0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D,
                                        0x03, 0x01, 0x07};
    uint8_t point[CRYPTO_POINT_SIZE];
    aw_err err = crypto_key_export_point(key, point);
    if (err != AW_OK)
        return err;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, DER_CTX_CONS(0));
    der_put_raw(&b, algorithm, sizeof(algorithm));
    der_put_bit_string(&b, DER_TAG_BIT_STRING, 0, point, sizeof(point));
    der_builder_end(&b);
    return der_builder_finish(&b, out, len);
}

/* The fixed eIM's EimConfigurationData with counterValue 0; key_data is
 * from fuzz_eim_key_data and must outlive *out. */
static inline void fuzz_eim_configuration(aw_slice key_data, sgp32_eim_configuration_data *out)
{
    memset(out, 0, sizeof(*out));
    out->eim_id = (aw_slice){(const uint8_t *)FUZZ_EIM_ID, strlen(FUZZ_EIM_ID)};
    out->has_counter_value = true;
    out->counter_value = 0;
    out->has_eim_public_key_data = true;
    out->eim_public_key_data.kind = SGP32_EIM_KEY_PUBLIC_KEY;
    out->eim_public_key_data.value = key_data;
}

#endif
