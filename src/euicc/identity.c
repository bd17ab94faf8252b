/* airwrite eUICC: the eUICC's identity (SGP.22 4.5: CERT.EUICC.ECDSA issued
 * by CERT.EUM.ECDSA under a CI, SK.EUICC.ECDSA, the EID of 4.5.2.1.0.2 and
 * the CI PKID lists of EUICCInfo1/2, 4.3). Loaded from airwrite-pki's output
 * or from any externally issued set of files, and checked at load: a chain
 * that would not verify at the SM-DP+ (ES9+.AuthenticateClient) is refused
 * here rather than at the first download. */
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/file.h"
#include "euicc/euicc.h"
#include "euicc/isdr.h"

#define CERTIFICATE_FILE_MAX (64u * 1024u)

void euicc_identity_free(euicc_identity *identity)
{
    if (identity == NULL)
        return;
    crypto_key_free(identity->euicc_key);
    pki_certificate_free(identity->euicc_certificate);
    pki_certificate_free(identity->eum_certificate);
    pki_trust_store_free(identity->trust);
    free(identity);
}

/* One certificate in PEM or DER. */
static aw_err load_certificate(const char *path, pki_certificate **out)
{
    uint8_t *data = NULL;
    size_t len = 0;
    aw_err err = aw_file_read(path, CERTIFICATE_FILE_MAX, &data, &len);
    if (err != AW_OK)
        return err;
    if (len > 10 && memcmp(data, "-----BEGIN", 10) == 0)
        err = pki_certificate_parse_pem((const char *)data, len, out);
    else
        err = pki_certificate_parse(data, len, out);
    free(data);
    return err;
}

static const char *pick(const char *explicit_path, const char *directory, const char *name,
                        char *buf, size_t cap)
{
    if (explicit_path != NULL)
        return explicit_path;
    if (directory == NULL)
        return NULL;
    snprintf(buf, cap, "%s/%s", directory, name);
    return buf;
}

/* The private key must be the one CERT.EUICC certifies. */
static aw_err check_key_matches(const crypto_key *key, const pki_certificate *cert)
{
    crypto_key *public_key = NULL;
    uint8_t a[CRYPTO_POINT_SIZE], b[CRYPTO_POINT_SIZE];
    aw_slice der = pki_certificate_der(cert);
    aw_err err = crypto_key_from_certificate(der.ptr, der.len, &public_key);
    if (err == AW_OK && crypto_key_curve(public_key) != crypto_key_curve(key))
        err = AW_ERR_CRYPTO_KEY;
    if (err == AW_OK)
        err = crypto_key_export_point(public_key, a);
    if (err == AW_OK)
        err = crypto_key_export_point(key, b);
    if (err == AW_OK && memcmp(a, b, sizeof(a)) != 0)
        err = AW_ERR_CRYPTO_KEY;
    crypto_key_free(public_key);
    return err;
}

/* 32 EID digits to the 16 BCD octets of eidValue (5A), SGP.22 5.7.20. */
static void eid_to_bytes(const char *eid, uint8_t out[EUICC_EID_SIZE])
{
    for (size_t i = 0; i < EUICC_EID_SIZE; i++)
        out[i] = (uint8_t)((eid[2 * i] - '0') << 4 | (eid[2 * i + 1] - '0'));
}

aw_err euicc_identity_load(const euicc_identity_paths *paths, time_t now, euicc_identity **out)
{
    char b1[4096], b2[4096], b3[4096], b4[4096];
    pki_certificate *ci = NULL;
    euicc_identity *id = NULL;
    aw_err err;
    if (out != NULL)
        *out = NULL;
    if (paths == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    const char *euicc_cert = pick(paths->euicc_certificate, paths->directory, "euicc.pem", b1,
                                  sizeof(b1));
    const char *euicc_key = pick(paths->euicc_key, paths->directory, "euicc.key.pem", b2,
                                 sizeof(b2));
    const char *eum_cert = pick(paths->eum_certificate, paths->directory, "eum.pem", b3,
                                sizeof(b3));
    const char *ci_cert = pick(paths->ci_certificate, paths->directory, "ci.pem", b4,
                               sizeof(b4));
    if (euicc_cert == NULL || euicc_key == NULL || eum_cert == NULL || ci_cert == NULL)
        return AW_ERR_ARGUMENT;
    id = calloc(1, sizeof(*id));
    if (id == NULL)
        return AW_ERR_NOMEM;
    err = load_certificate(euicc_cert, &id->euicc_certificate);
    if (err == AW_OK)
        err = load_certificate(eum_cert, &id->eum_certificate);
    if (err == AW_OK)
        err = load_certificate(ci_cert, &ci);
    if (err == AW_OK)
        err = crypto_key_load_private_pem_file(euicc_key, &id->euicc_key);
    if (err == AW_OK)
        err = check_key_matches(id->euicc_key, id->euicc_certificate);
    if (err == AW_OK)
        err = pki_trust_store_new(&id->trust);
    if (err == AW_OK)
        err = pki_trust_store_add_ci(id->trust, ci);
    if (err == AW_OK)
        err = pki_certificate_get_subject_key_id(ci, &id->ci_pkids_verification[0]);
    if (err == AW_OK) {
        pki_verify_options options = {.now = now};
        pki_verify_result result;
        err = pki_verify_euicc_chain(id->trust, id->eum_certificate, id->euicc_certificate,
                                     &options, &result);
        if (err == AW_OK) {
            memcpy(id->eid, result.eid, sizeof(id->eid));
            eid_to_bytes(id->eid, id->eid_bytes);
        }
    }
    if (err == AW_OK) {
        /* one CI: trusted for verifying SM-DP+ certificates and used for
         * signing (its chain is the one CERT.EUICC belongs to) */
        id->ci_pkid_verification_count = 1;
        id->ci_pkids_signing[0] = id->ci_pkids_verification[0];
        id->ci_pkid_signing_count = 1;
        id->curve = crypto_key_curve(id->euicc_key);
    }
    pki_certificate_free(ci);
    if (err != AW_OK) {
        euicc_identity_free(id);
        return err;
    }
    *out = id;
    return AW_OK;
}
