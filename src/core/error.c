/* airwrite core: names and messages for aw_err. */
#include "core/error.h"

#include <stddef.h>

struct err_entry {
    const char *name;
    const char *message;
};

#define E(code, text) [code] = {#code, text}

static const struct err_entry err_table[AW_ERR__COUNT] = {
    E(AW_OK, "success"),
    E(AW_ERR_NOMEM, "out of memory"),
    E(AW_ERR_ARGUMENT, "invalid argument"),
    E(AW_ERR_BUFFER_TOO_SMALL, "output buffer too small"),
    E(AW_ERR_IO, "input/output error"),
    E(AW_ERR_LIMIT, "size or count limit exceeded"),
    E(AW_ERR_NOT_FOUND, "not found"),
    E(AW_ERR_STATE, "operation not allowed in this state"),
    E(AW_ERR_DER_TRUNCATED, "DER: element runs past the end of the buffer"),
    E(AW_ERR_DER_TAG, "DER: malformed or non-minimal tag"),
    E(AW_ERR_DER_INDEFINITE, "DER: indefinite length is not allowed"),
    E(AW_ERR_DER_LENGTH, "DER: non-minimal length encoding"),
    E(AW_ERR_DER_LENGTH_OVERFLOW, "DER: length too large"),
    E(AW_ERR_DER_DEPTH, "DER: nesting too deep"),
    E(AW_ERR_DER_TRAILING, "DER: trailing bytes after the element"),
    E(AW_ERR_DER_BOOLEAN, "DER: invalid BOOLEAN encoding"),
    E(AW_ERR_DER_INTEGER, "DER: invalid or out-of-range INTEGER"),
    E(AW_ERR_DER_PRIMITIVE, "DER: wrong primitive/constructed form"),
    E(AW_ERR_DER_UNEXPECTED_TAG, "DER: unexpected tag"),
    E(AW_ERR_DER_MISSING, "DER: mandatory component missing"),
    E(AW_ERR_DER_CONSTRAINT, "DER: value violates its ASN.1 constraint"),
    E(AW_ERR_DER_ORDER, "DER: components out of order"),
    E(AW_ERR_CRYPTO, "cryptographic operation failed"),
    E(AW_ERR_CRYPTO_CURVE, "unsupported or mismatched elliptic curve"),
    E(AW_ERR_CRYPTO_KEY, "invalid key"),
    E(AW_ERR_SIGNATURE, "signature verification failed"),
    E(AW_ERR_SIGNATURE_FORMAT, "malformed signature"),
    E(AW_ERR_MAC, "MAC verification failed"),
    E(AW_ERR_PADDING, "invalid padding"),
    E(AW_ERR_PKI_PARSE, "certificate cannot be parsed"),
    E(AW_ERR_PKI_SIGNATURE, "certificate signature invalid"),
    E(AW_ERR_PKI_ISSUER, "certificate issuer mismatch"),
    E(AW_ERR_PKI_EXPIRED, "certificate expired"),
    E(AW_ERR_PKI_POLICY, "certificate policy wrong for its role"),
    E(AW_ERR_PKI_KEY_USAGE, "certificate key usage wrong for its role"),
    E(AW_ERR_PKI_EXTENSION, "certificate extension missing or invalid"),
    E(AW_ERR_PKI_UNKNOWN_CI, "certificate chain does not end at a trusted CI"),
    E(AW_ERR_PKI_EID, "EID does not match the eUICC certificate"),
    E(AW_ERR_PKI_CURVE, "certificate key curve not allowed"),
    E(AW_ERR_PKI_NOT_YET_VALID, "certificate not yet valid"),
    E(AW_ERR_PKI_BASIC_CONSTRAINTS, "certificate basic constraints wrong for its role"),
    E(AW_ERR_PKI_EXTENDED_KEY_USAGE, "certificate extended key usage wrong for its role"),
    E(AW_ERR_PKI_CRITICAL_EXTENSION, "certificate has an unknown critical extension"),
    E(AW_ERR_PKI_CI_NOT_ALLOWED, "CI public key identifier not allowed for this operation"),
    E(AW_ERR_PKI_EID_FORMAT, "EID is not 32 digits with valid check digits"),
    E(AW_ERR_PKI_NAME_CONSTRAINTS, "eUICC certificate outside the EUM name constraints"),
    E(AW_ERR_PKI_CURVE_MISMATCH, "certificate and issuer keys on different curves"),
    E(AW_ERR_PKI_ALGORITHM, "certificate signature algorithm not ecdsa-with-SHA256"),
    E(AW_ERR_PKI_SUBJECT_ALT_NAME, "certificate subjectAltName registeredID missing"),
    E(AW_ERR_SAIP_FORMAT, "SAIP: invalid profile package"),
    E(AW_ERR_SAIP_HEADER, "SAIP: ProfileHeader missing or misplaced"),
    E(AW_ERR_SAIP_FIELD, "SAIP: field absent or malformed"),
    E(AW_ERR_SAIP_VALUE, "SAIP: value to set is malformed"),
    E(AW_ERR_SAIP_UNKNOWN_ELEMENT, "SAIP: unknown ProfileElement"),
    E(AW_ERR_SAIP_END, "SAIP: PE-End missing or not last"),
    E(AW_ERR_SAIP_ICCID, "SAIP: ICCID must be 19 or 20 digits"),
    E(AW_ERR_SAIP_IMSI, "SAIP: IMSI must be 6 to 15 digits"),
    E(AW_ERR_SAIP_MSISDN, "SAIP: MSISDN must be up to 15 digits with an optional '+'"),
    E(AW_ERR_SAIP_KEY_LENGTH, "SAIP: Ki or OPc length wrong for the algorithm"),
    E(AW_ERR_SAIP_ALGORITHM, "SAIP: unknown or unsupported AKA algorithm"),
    E(AW_ERR_SAIP_SEQUENCE, "SAIP: profile element sequence rule violated"),
    E(AW_ERR_EUICC_STATE_CORRUPT, "eUICC state file is corrupted or fails its integrity check"),
    E(AW_ERR_EUICC_STATE_VERSION, "eUICC state file has an unknown format version"),
    E(AW_ERR_EUICC_STORAGE_KEY, "eUICC storage key is missing, malformed or not private (0600)"),
    E(AW_ERR_HTTP_BIND, "HTTP: cannot bind or listen on the server address"),
    E(AW_ERR_HTTP_TLS_CONFIG, "HTTP: certificate, key, CA file or TLS policy not loadable"),
    E(AW_ERR_HTTP_CONNECT, "HTTP: cannot resolve or connect to the server"),
    E(AW_ERR_HTTP_TLS, "HTTP: TLS handshake failed or the peer sent a TLS alert"),
    E(AW_ERR_HTTP_CERTIFICATE, "HTTP: server certificate untrusted or not for this host"),
    E(AW_ERR_HTTP_TIMEOUT, "HTTP: connect or transfer timed out"),
    E(AW_ERR_HTTP_TRANSFER, "HTTP: transfer failed"),
    E(AW_ERR_DB_URL, "database: URL malformed, too long or of an unknown scheme"),
    E(AW_ERR_DB_CONNECTION, "database: cannot open or connect, or connection lost"),
    E(AW_ERR_DB_UNIQUE, "database: unique constraint violated (row exists)"),
    E(AW_ERR_DB_CONSTRAINT, "database: NOT NULL, CHECK or FOREIGN KEY constraint violated"),
    E(AW_ERR_DB_NOT_FOUND, "database: no such row"),
    E(AW_ERR_DB_BUSY, "database: busy, locked or serialization conflict; retry"),
    E(AW_ERR_DB_SCHEMA, "database: SQL syntax error or unknown table or column"),
    E(AW_ERR_DB_SCHEMA_NEWER, "database: schema is newer than this code knows"),
    E(AW_ERR_DB_TYPE, "database: column is NULL or of another type"),
    E(AW_ERR_DB_FAILED, "database: operation failed"),
    E(AW_ERR_SMDP_ICCID_CHECK_DIGIT, "SM-DP+: ICCID check digit (Luhn) is wrong"),
    E(AW_ERR_SMDP_METADATA, "SM-DP+: profile metadata exceeds SGP.22 limits"),
    E(AW_ERR_SMDP_KEY_MISMATCH, "SM-DP+: DPpb private key does not match its certificate"),
    E(AW_ERR_SMDP_IMPORT_SYNTAX, "SM-DP+ import: malformed CSV or JSON batch"),
    E(AW_ERR_SMDP_IMPORT_HEADER, "SM-DP+ import: CSV header has an unknown, repeated or missing column"),
    E(AW_ERR_SMDP_IMPORT_FIELD_COUNT, "SM-DP+ import: CSV record field count differs from the header"),
    E(AW_ERR_SMDP_IMPORT_ICCID, "SM-DP+ import: ICCID is not 19 or 20 digits"),
    E(AW_ERR_SMDP_IMPORT_LUHN, "SM-DP+ import: ICCID check digit (Luhn) is wrong"),
    E(AW_ERR_SMDP_IMPORT_IMSI, "SM-DP+ import: IMSI is not 6..15 digits"),
    E(AW_ERR_SMDP_IMPORT_KI, "SM-DP+ import: Ki is not hex of the algorithm's length"),
    E(AW_ERR_SMDP_IMPORT_OPC, "SM-DP+ import: OPc is not hex of the algorithm's length"),
    E(AW_ERR_SMDP_IMPORT_MSISDN, "SM-DP+ import: MSISDN is malformed"),
    E(AW_ERR_SMDP_IMPORT_ALGORITHM, "SM-DP+ import: unknown algorithm"),
    E(AW_ERR_SMDP_IMPORT_DUPLICATE, "SM-DP+ import: ICCID or IMSI repeated in the batch"),
    E(AW_ERR_SMDP_IMPORT_PROFILE_TYPE, "SM-DP+ import: profile type missing, malformed or unknown"),
    E(AW_ERR_SMDP_KEY_FILE, "SM-DP+: storage key file has a wrong size, mode or key id"),
    E(AW_ERR_SMDP_DECRYPT, "SM-DP+: stored secret fails authentication or its key is unknown"),
};

#undef E

const char *aw_err_name(aw_err err)
{
    if ((unsigned)err >= AW_ERR__COUNT || err_table[err].name == NULL)
        return "AW_ERR_UNKNOWN";
    return err_table[err].name;
}

const char *aw_err_message(aw_err err)
{
    if ((unsigned)err >= AW_ERR__COUNT || err_table[err].message == NULL)
        return "unknown error";
    return err_table[err].message;
}
