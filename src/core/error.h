/* airwrite core: the project's one error enum.
 *
 * These are airwrite's own failure causes. Spec result codes (SGP.22 reason
 * codes, ISO 7816 status words, EuiccPackageErrorCode, ...) never travel in
 * this enum: they are carried in result structures of their own, so a caller
 * can always tell "our code failed" from "the peer answered with an error".
 */
#ifndef AIRWRITE_CORE_ERROR_H
#define AIRWRITE_CORE_ERROR_H

typedef enum aw_err {
    AW_OK = 0,

    /* Generic */
    AW_ERR_NOMEM,            /* allocation failed */
    AW_ERR_ARGUMENT,         /* caller passed an invalid argument */
    AW_ERR_BUFFER_TOO_SMALL, /* output buffer cannot hold the result */
    AW_ERR_IO,               /* file or stream error */
    AW_ERR_LIMIT,            /* a configured size or count limit was hit */
    AW_ERR_NOT_FOUND,        /* requested item does not exist */
    AW_ERR_STATE,            /* operation not allowed in the current state */

    /* DER reader and writer (X.690 clause 10 restrictions) */
    AW_ERR_DER_TRUNCATED,       /* tag, length or value runs past the buffer */
    AW_ERR_DER_TAG,             /* malformed or non-minimal tag, or tag over 4 bytes */
    AW_ERR_DER_INDEFINITE,      /* indefinite length (0x80) is not DER */
    AW_ERR_DER_LENGTH,          /* non-minimal length encoding */
    AW_ERR_DER_LENGTH_OVERFLOW, /* length-of-length over 4 bytes, or reserved 0xFF */
    AW_ERR_DER_DEPTH,           /* nesting deeper than the configured limit */
    AW_ERR_DER_TRAILING,        /* bytes after the last expected element */
    AW_ERR_DER_BOOLEAN,         /* BOOLEAN not exactly one byte of 0x00 or 0xFF */
    AW_ERR_DER_INTEGER,         /* INTEGER empty, non-minimal or out of range */
    AW_ERR_DER_PRIMITIVE,       /* constructed where primitive required or vice versa */
    AW_ERR_DER_UNEXPECTED_TAG,  /* a tag the ASN.1 type does not allow here */
    AW_ERR_DER_MISSING,         /* a mandatory component is absent */
    AW_ERR_DER_CONSTRAINT,      /* value violates a SIZE or range constraint */
    AW_ERR_DER_ORDER,           /* SET OF / SEQUENCE component order violated */

    /* Cryptography */
    AW_ERR_CRYPTO,              /* an OpenSSL operation failed */
    AW_ERR_CRYPTO_CURVE,        /* unsupported or mismatched curve */
    AW_ERR_CRYPTO_KEY,          /* key cannot be parsed or is invalid */
    AW_ERR_SIGNATURE,           /* signature does not verify */
    AW_ERR_SIGNATURE_FORMAT,    /* signature is not a valid r||s or DER ECDSA-Sig-Value */
    AW_ERR_MAC,                 /* MAC does not verify */
    AW_ERR_PADDING,             /* padding is invalid after decryption */

    /* PKI (SGP.22 4.5 certificates) */
    AW_ERR_PKI_PARSE,           /* certificate cannot be parsed */
    AW_ERR_PKI_SIGNATURE,       /* certificate signature does not verify under its issuer */
    AW_ERR_PKI_ISSUER,          /* issuer name or AKI does not match the issuer's subject/SKI */
    AW_ERR_PKI_EXPIRED,         /* notAfter is before the verification time */
    AW_ERR_PKI_POLICY,          /* missing or wrong certificate policy for its role */
    AW_ERR_PKI_KEY_USAGE,       /* key usage missing, not critical or wrong for its role */
    AW_ERR_PKI_EXTENSION,       /* missing SKI/AKI or other required extension */
    AW_ERR_PKI_UNKNOWN_CI,      /* chain does not end at a trusted CI */
    AW_ERR_PKI_EID,             /* EID in the eUICC certificate does not match */
    AW_ERR_PKI_CURVE,           /* key on a curve the role does not allow */
    AW_ERR_PKI_NOT_YET_VALID,   /* notBefore is after the verification time */
    AW_ERR_PKI_BASIC_CONSTRAINTS, /* basicConstraints (cA, pathLen) wrong for its role */
    AW_ERR_PKI_EXTENDED_KEY_USAGE, /* extendedKeyUsage missing or wrong (TLS roles) */
    AW_ERR_PKI_CRITICAL_EXTENSION, /* a critical extension the verifier does not know */
    AW_ERR_PKI_CI_NOT_ALLOWED,  /* CI is trusted but its PKID is not allowed for this use */
    AW_ERR_PKI_EID_FORMAT,      /* EID is not 32 digits with valid check digits */
    AW_ERR_PKI_NAME_CONSTRAINTS, /* eUICC subject outside the EUM's name constraints */
    AW_ERR_PKI_CURVE_MISMATCH,  /* certificate and issuer keys are on different curves */
    AW_ERR_PKI_ALGORITHM,       /* signature algorithm is not ecdsa-with-SHA256 */
    AW_ERR_PKI_SUBJECT_ALT_NAME, /* subjectAltName registeredID (SM-DP+ OID) missing */

    /* SAIP profile packages (TCA eUICC Profile Package) */
    AW_ERR_SAIP_FORMAT,         /* profile package structure is invalid */
    AW_ERR_SAIP_HEADER,         /* ProfileHeader missing or not first */
    AW_ERR_SAIP_FIELD,          /* a personalisation field is absent or malformed */
    AW_ERR_SAIP_VALUE,          /* a value to set is malformed (e.g. ICCID digits) */
    AW_ERR_SAIP_UNKNOWN_ELEMENT, /* ProfileElement tag not in PE_Definitions 3.3.1 */
    AW_ERR_SAIP_END,            /* PE-End missing, repeated or not last */
    AW_ERR_SAIP_ICCID,          /* ICCID to set is not 19 or 20 digits */
    AW_ERR_SAIP_IMSI,           /* IMSI to set is not 6..15 digits */
    AW_ERR_SAIP_MSISDN,         /* MSISDN to set is not '+'? and 1..15 digits */
    AW_ERR_SAIP_KEY_LENGTH,     /* Ki or OPc length wrong for the algorithm */
    AW_ERR_SAIP_ALGORITHM,      /* AKA algorithm unknown or unsupported */
    AW_ERR_SAIP_SEQUENCE,       /* PE sequence rule: duplicate PE or id, order, missing NAA */

    /* Software eUICC ISD-R core (src/euicc: state.c, identity.c) */
    AW_ERR_EUICC_STATE_CORRUPT, /* eUICC state file fails its integrity check or format rules */
    AW_ERR_EUICC_STATE_VERSION, /* eUICC state file written by an unknown format version */
    AW_ERR_EUICC_STORAGE_KEY,   /* storage key missing, wrong size, wrong version or not 0600 */

    /* HTTP: HTTPS server and client (src/core/http_server.h, http_client.h) */
    AW_ERR_HTTP_BIND,           /* cannot bind or listen on the server address */
    AW_ERR_HTTP_TLS_CONFIG,     /* certificate, key, CA file or TLS policy not loadable */
    AW_ERR_HTTP_CONNECT,        /* cannot resolve or connect to the server */
    AW_ERR_HTTP_TLS,            /* TLS handshake failed or the peer sent a TLS alert */
    AW_ERR_HTTP_CERTIFICATE,    /* server certificate untrusted or not for this host */
    AW_ERR_HTTP_TIMEOUT,        /* connect or transfer timed out */
    AW_ERR_HTTP_TRANSFER,       /* other transfer failure (connection reset, bad response) */

    /* Database storage: SQLite and PostgreSQL (src/core/db.h, db_queue.h) */
    AW_ERR_DB_URL,              /* database URL malformed, too long or of an unknown scheme */
    AW_ERR_DB_CONNECTION,       /* cannot open or connect to the database, or connection lost */
    AW_ERR_DB_UNIQUE,           /* unique or primary key constraint violated: the row exists */
    AW_ERR_DB_CONSTRAINT,       /* NOT NULL, CHECK or FOREIGN KEY constraint violated */
    AW_ERR_DB_NOT_FOUND,        /* no such row (or job no longer leased by this worker) */
    AW_ERR_DB_BUSY,             /* busy, locked, or serialization conflict: retry */
    AW_ERR_DB_SCHEMA,           /* SQL syntax error or unknown table or column */
    AW_ERR_DB_SCHEMA_NEWER,     /* database schema is newer than this code knows */
    AW_ERR_DB_TYPE,             /* column is NULL or not of the requested type */
    AW_ERR_DB_FAILED,           /* other database failure (I/O, corruption, server error) */

    /* SM-DP+ personalisation and bound profile packages (src/smdp: personalise.h, bpp.h) */
    AW_ERR_SMDP_ICCID_CHECK_DIGIT, /* subscriber ICCID fails its Luhn check digit (E.118) */
    AW_ERR_SMDP_METADATA,       /* profile metadata to store breaks SGP.22 5.5.3 limits */
    AW_ERR_SMDP_KEY_MISMATCH,   /* SK.DPpb.ECDSA is not the key of CERT.DPpb.ECDSA */

    /* SM-DP+ inventory: batch import, encryption at rest (src/smdp: import.h, inventory.h) */
    AW_ERR_SMDP_IMPORT_SYNTAX,  /* batch file is not well-formed CSV (RFC 4180) or JSON of the batch shape */
    AW_ERR_SMDP_IMPORT_HEADER,  /* CSV header: unknown, repeated or missing column */
    AW_ERR_SMDP_IMPORT_FIELD_COUNT, /* CSV record has a different number of fields than the header */
    AW_ERR_SMDP_IMPORT_ICCID,   /* ICCID not 19 or 20 digits */
    AW_ERR_SMDP_IMPORT_LUHN,    /* ICCID check digit (Luhn, ITU-T E.118) is wrong */
    AW_ERR_SMDP_IMPORT_IMSI,    /* IMSI not 6..15 digits */
    AW_ERR_SMDP_IMPORT_KI,      /* Ki not hex of the length its algorithm needs */
    AW_ERR_SMDP_IMPORT_OPC,     /* OPc/TOPc not hex of the length its algorithm needs */
    AW_ERR_SMDP_IMPORT_MSISDN,  /* MSISDN not '+'? and 1..15 digits */
    AW_ERR_SMDP_IMPORT_ALGORITHM, /* algorithm not milenage, tuak or test */
    AW_ERR_SMDP_IMPORT_DUPLICATE, /* ICCID or IMSI repeated within the batch */
    AW_ERR_SMDP_IMPORT_PROFILE_TYPE, /* profile type name missing, malformed or not registered */
    AW_ERR_SMDP_KEY_FILE,       /* storage key file: wrong size, not 0600, or key id invalid/repeated */
    AW_ERR_SMDP_DECRYPT,        /* stored Ki/OPc fails authentication or its key id is not in the ring */

    AW_ERR__COUNT
} aw_err;

/* Stable symbolic name, e.g. "AW_ERR_DER_TRUNCATED". Never NULL. */
const char *aw_err_name(aw_err err);

/* Human-readable explanation. Never NULL. */
const char *aw_err_message(aw_err err);

#endif
