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
    AW_ERR_SMDP_KEY_MISSING,    /* the inventory holds Ki/OPc under a key id the loaded key ring lacks */

    /* IPA: APDU transports and the ES10 client (src/ipa: transport.h, ipa.h) */
    AW_ERR_IPA_CONNECT,         /* reader, serial device or socket cannot be opened or reached */
    AW_ERR_IPA_NO_READER,       /* no PC/SC reader of that name, or no card in it */
    AW_ERR_IPA_TIMEOUT,         /* the module or card did not answer in time */
    AW_ERR_IPA_PROTOCOL,        /* malformed or unexpected answer from the module, reader or card */
    AW_ERR_IPA_MODEM_ERROR,     /* the cellular module answered ERROR or +CME ERROR */
    AW_ERR_IPA_NO_CHANNEL,      /* no logical channel could be opened to the ISD-R */
    AW_ERR_IPA_SELECT,          /* the ISD-R could not be selected on the logical channel */
    AW_ERR_IPA_STATUS_WORD,     /* the card ended a command with an error status word */
    AW_ERR_IPA_RESPONSE_TOO_LONG, /* a response exceeds its configured bound */
    AW_ERR_IPA_ESIPA_HTTP_STATUS, /* the eIM answered an HTTP status other than 200 (SGP.32 6.1) */
    AW_ERR_IPA_ESIPA_RESPONSE,  /* the eIM's answer is not the expected ESipa message (type, DER, kind) */
    AW_ERR_IPA_JOURNAL,         /* the IPA's journal file is malformed or of an unknown version */

    /* eIM: eUICC registry, eUICC Packages, ESipa (src/eim: eim.h) */
    AW_ERR_EIM_IMPORT_SYNTAX,   /* registration batch is not well-formed CSV (RFC 4180) or JSON of the batch shape */
    AW_ERR_EIM_IMPORT_HEADER,   /* registration CSV header: unknown, repeated or missing column */
    AW_ERR_EIM_IMPORT_FIELD,    /* registration field malformed: counter, token, eimId, key reference */
    AW_ERR_EIM_IMPORT_EID,      /* registration EID not 32 digits with valid check digits */
    AW_ERR_EIM_IMPORT_DUPLICATE, /* EID repeated within the batch or already registered */
    AW_ERR_EIM_IMPORT_CERTIFICATE, /* eUICC/EUM certificate not base64 DER, or its chain fails */
    AW_ERR_EIM_UNKNOWN_EUICC,   /* no eUICC with that EID is registered */
    AW_ERR_EIM_COUNTER_EXHAUSTED, /* the eUICC's counterValue reached 2^31-1 (SGP.32 2.11.1.1) */
    AW_ERR_EIM_SIGNING_KEY,     /* the eUICC's eIM signing key reference is not loaded */
    AW_ERR_EIM_PACKAGE,         /* eUICC Package operation arguments invalid (ICCID, address, count) */
    AW_ERR_EIM_NO_CERTIFICATE,  /* no eUICC certificate chain known to verify the result with */
    AW_ERR_EIM_RESULT_UNSIGNED, /* EuiccPackageResult is an unsigned error (no proof from the eUICC) */
    AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE, /* result names no package sent to that eUICC */
    AW_ERR_EIM_RESULT_MISMATCH, /* result's eimId, counterValue or eimTransactionId differs from the package */
    AW_ERR_EIM_RESULT_REPLAY,   /* a result for that package was already recorded */

    /* Platform northbound API: apps, tokens, request signatures, limits (src/platform: platform.h) */
    AW_ERR_PLATFORM_KEY_FILE,   /* storage key: wrong size, not 0600, or key id invalid/repeated */
    AW_ERR_PLATFORM_DECRYPT,    /* stored app secret fails authentication or its key id is not in the ring */
    AW_ERR_PLATFORM_JSON,       /* request body is not one JSON object within the size and depth bounds */
    AW_ERR_PLATFORM_FIELD,      /* a request field is missing, of the wrong type or malformed */
    AW_ERR_PLATFORM_AUTH_HEADER, /* a signature header (X-AW-*) is missing or malformed */
    AW_ERR_PLATFORM_APP_UNKNOWN, /* no app with that appId */
    AW_ERR_PLATFORM_APP_DISABLED, /* the app is disabled */
    AW_ERR_PLATFORM_CREDENTIALS, /* appId and appSecret do not match */
    AW_ERR_PLATFORM_TIMESTAMP,  /* request timestamp outside the accepted window */
    AW_ERR_PLATFORM_NONCE_REPLAYED, /* the nonce was already used by this app */
    AW_ERR_PLATFORM_TOKEN_INVALID, /* bearer or refresh token unknown, malformed or of another app */
    AW_ERR_PLATFORM_TOKEN_EXPIRED, /* bearer or refresh token past its expiry */
    AW_ERR_PLATFORM_TOKEN_REVOKED, /* token revoked (or refresh token already used) */
    AW_ERR_PLATFORM_RATE_LIMITED, /* the app's token bucket is empty */
    AW_ERR_PLATFORM_QUOTA_EXHAUSTED, /* the app's daily call quota is used up */
    AW_ERR_PLATFORM_TRANSITION, /* lifecycle transition not allowed from the entity's current state */
    AW_ERR_PLATFORM_EID,        /* EID not 32 digits or its SGP.29 check digits are wrong */
    AW_ERR_PLATFORM_BATCH,      /* order batch empty, over its bounds, or with invalid lines */
    AW_ERR_PLATFORM_ORDER_UNKNOWN, /* no such order for the caller's tenant */
    AW_ERR_PLATFORM_ORDER_STATE, /* the order's state does not allow the operation */
    AW_ERR_PLATFORM_IDEMPOTENCY, /* Idempotency-Key already used with another request */

    /* Crypto suite for airwrite's own security functions: international or
     * domestic (GB/T SM2/SM3/SM4) (src/core/crypto_suite.h) */
    AW_ERR_SUITE_UNKNOWN,       /* suite name or value is not international or domestic */
    AW_ERR_SUITE_UNAVAILABLE,   /* the OpenSSL build lacks an algorithm the suite needs */
    AW_ERR_SUITE_MISMATCH,      /* key, sealed data or context belongs to the other suite */
    AW_ERR_SUITE_KEY,           /* key unreadable, of the wrong type, curve or length */
    AW_ERR_SUITE_KEY_ID,        /* sealed data names another key id than the key given */
    AW_ERR_SUITE_SEALED_FORMAT, /* sealed data truncated or its header malformed */
    AW_ERR_SUITE_SEALED_VERSION, /* sealed data written in an unknown format version */
    AW_ERR_SUITE_AUTHENTICATION, /* sealed data or associated data fails the AEAD tag */
    AW_ERR_SUITE_TOO_LARGE,     /* plaintext, sealed or associated data over its bound */
    AW_ERR_SUITE_DISTINGUISHING_ID, /* SM2 distinguishing ID empty, over 8190 bytes, or given to a non-SM2 key */

    /* Security management: console passwords, login throttling, signed
     * secure-module firmware (src/core: password.h, throttle.h, firmware.h) */
    AW_ERR_PASSWORD_TOO_SHORT,  /* password has fewer characters than the policy minimum */
    AW_ERR_PASSWORD_TOO_LONG,   /* password has more characters or bytes than the policy maximum */
    AW_ERR_PASSWORD_ENCODING,   /* password or user name is not valid UTF-8 without control characters */
    AW_ERR_PASSWORD_USER_NAME,  /* password equals the user name (case-insensitive) */
    AW_ERR_PASSWORD_COMMON,     /* password is in the built-in list of most common passwords */
    AW_ERR_PASSWORD_FORMAT,     /* stored password hash is not a well-formed $scrypt$ string */
    AW_ERR_PASSWORD_PARAMETERS, /* scrypt parameters below the safe minimum or above the bounds */
    AW_ERR_PASSWORD_MISMATCH,   /* password does not match the stored hash */
    AW_ERR_THROTTLE_POLICY,     /* throttle policy invalid (window, thresholds, lockout bounds) */
    AW_ERR_THROTTLE_LOCKED,     /* account or source address locked out: retry later */
    AW_ERR_FIRMWARE_FORMAT,     /* firmware package is not the documented DER structure */
    AW_ERR_FIRMWARE_FORMAT_VERSION, /* firmware package written in an unknown format version */
    AW_ERR_FIRMWARE_ALGORITHM,  /* digest or signature algorithm not supported */
    AW_ERR_FIRMWARE_SIGNER,     /* signer key id names no trusted firmware signing key */
    AW_ERR_FIRMWARE_SIGNATURE,  /* package signature does not verify under the signer key */
    AW_ERR_FIRMWARE_MODULE,     /* package is for another secure module */
    AW_ERR_FIRMWARE_ROLLBACK,   /* firmware version lower than the installed one */
    AW_ERR_FIRMWARE_SAME_VERSION, /* firmware version equals the installed one (no reinstall asked) */
    AW_ERR_FIRMWARE_LENGTH,     /* image length differs from the signed length, or image missing */
    AW_ERR_FIRMWARE_DIGEST,     /* image digest differs from the signed digest */
    AW_ERR_FIRMWARE_TOO_LARGE,  /* image or module id over its bound */

    /* ES9+ client and the eIM's download relay (src/core/es9p_client.h; src/eim: eim.h) */
    AW_ERR_ES9P_CLIENT_REQUEST, /* the SGP.22 request DER is not the ES9+ function's message */
    AW_ERR_ES9P_CLIENT_HTTP_STATUS, /* the SM-DP+ answered an HTTP status the 6.5 binding does not give */
    AW_ERR_ES9P_CLIENT_RESPONSE, /* the SM-DP+ answer is not the function's JSON response within bounds */
    AW_ERR_EIM_RELAY_TRANSACTION, /* transactionId or eimTransactionId names no download this eIM relays */
    AW_ERR_EIM_RELAY_ADDRESS,   /* SM-DP+ address missing, malformed or other than the trigger's */

    /* Security audit log: hash chain and signed checkpoints (src/core/audit.h) */
    AW_ERR_AUDIT_FIELD,         /* audit event field missing, over its bound or not UTF-8 text */
    AW_ERR_AUDIT_DETAILS,       /* audit details not one JSON object within its size bound */
    AW_ERR_AUDIT_FORMAT,        /* stored audit entry or checkpoint unreadable or malformed */
    AW_ERR_AUDIT_SUITE,         /* audit entry or chain made with another crypto suite */
    AW_ERR_AUDIT_HASH,          /* audit entry edited: its contents do not match its hash */
    AW_ERR_AUDIT_LINK,          /* audit entry's previous hash differs: an entry was replaced */
    AW_ERR_AUDIT_GAP,           /* audit sequence number missing: an entry was deleted */
    AW_ERR_AUDIT_INSERTED,      /* audit entry inserted into the chain */
    AW_ERR_AUDIT_ORDER,         /* audit entries reordered */
    AW_ERR_AUDIT_TRUNCATED,     /* audit log ends before the entry a checkpoint signs */
    AW_ERR_AUDIT_CHECKPOINT_SIGNATURE, /* audit checkpoint signature malformed or not verifying */
    AW_ERR_AUDIT_CHECKPOINT_KEY, /* audit checkpoint signed by a key not given to the verifier */
    AW_ERR_AUDIT_CHECKPOINT_MISMATCH, /* audit checkpoint signs another hash than the entry's */

    /* IPA Profile download (src/ipa/download.h, activation_code.h; SGP.32 3.2) */
    AW_ERR_IPA_ACTIVATION_CODE_FORMAT, /* activation code not "1$...": length, characters or field count */
    AW_ERR_IPA_ACTIVATION_CODE_ADDRESS, /* activation code SM-DP+ address is not an FQDN */
    AW_ERR_IPA_ACTIVATION_CODE_MATCHING_ID, /* activation code Matching ID has characters other than 0-9 A-Z - */
    AW_ERR_IPA_ACTIVATION_CODE_OID, /* activation code SM-DP+ OID is not dotted decimal */
    AW_ERR_IPA_ACTIVATION_CODE_FLAG, /* activation code Confirmation Code Required Flag is not "1" */
    AW_ERR_IPA_DOWNLOAD_REJECTED, /* the SM-DP+, eIM or eUICC ended the download with a defined error */

    /* ES2+ client and the platform's executor (src/core/es2p_client.h; src/platform: platform.h) */
    AW_ERR_ES2P_CLIENT_REQUEST, /* an ES2+ request field is missing, malformed or not the function's */
    AW_ERR_ES2P_CLIENT_HTTP_STATUS, /* the SM-DP+ answered an HTTP status other than the 6.5 binding's 200 */
    AW_ERR_ES2P_CLIENT_RESPONSE, /* the SM-DP+ answer is not the function's JSON response within bounds */
    AW_ERR_PLATFORM_NOTIFICATION, /* an ES2+ HandleDownloadProgressInfo body is malformed or over its bounds */
    AW_ERR_PLATFORM_NOTIFICATION_UNKNOWN, /* an ES2+ notification names no order item of this platform */

    /* Configuration files (src/core/config.h; airwrited) */
    AW_ERR_CONFIG_SYNTAX,       /* configuration line malformed: not [section], key = value or comment */
    AW_ERR_CONFIG_SECTION,      /* configuration section unknown */
    AW_ERR_CONFIG_KEY,          /* configuration key unknown in its section */
    AW_ERR_CONFIG_DUPLICATE,    /* configuration section or single-valued key given twice */
    AW_ERR_CONFIG_VALUE,        /* configuration value not of the key's form or out of range */
    AW_ERR_CONFIG_CONFLICT,     /* configuration settings contradict (same port twice, missing partner) */

    /* airwritectl's API client (src/cli/airwritectl_client.h; helper ctl) */
    AW_ERR_CTL_API,             /* the northbound API answered an error (code, message, requestId) */
    AW_ERR_CTL_RESPONSE,        /* the API's answer is not the JSON the call expects */
    AW_ERR_CTL_TOKEN_CACHE,     /* token cache not a private file of this user, malformed, or another app's */

    /* Platform number resources, business scope, cards and profiles
     * (src/platform: platform.h "Number resources and business scope"; helper query) */
    AW_ERR_PLATFORM_PROFILE_TYPE_UNKNOWN, /* no profile type with that name */
    AW_ERR_PLATFORM_SCOPE,      /* profile type outside the tenant's business scope */
    AW_ERR_PLATFORM_POOL_UNKNOWN, /* no number pool with that name in the tenant */
    AW_ERR_PLATFORM_POOL_EXHAUSTED, /* the number pool has too few free numbers */
    AW_ERR_PLATFORM_NUMBER_RANGE, /* MSISDN/IMSI outside the pool's segments and ranges, or overlapping another pool's */
    AW_ERR_PLATFORM_ICCID,      /* ICCID not 19-20 digits or its Luhn check digit is wrong (ITU-T E.118) */
    AW_ERR_PLATFORM_CARD_UNKNOWN, /* no card with that EID in the tenant */

    /* ESipa JSON binding (core/sgp32_esipa_json.h, SGP.32 6.4; helper esipa-json) */
    AW_ERR_ESIPA_JSON_MISSING,  /* an ESipa JSON request lacks a mandatory member (SGP.22 6.5.1.4 reason 2.2) */
    AW_ERR_ESIPA_JSON_INVALID,  /* an ESipa JSON body or member is malformed (SGP.22 6.5.1.4 reason 2.1) */

    /* eIM Package injection (SGP.32 6.3.2.8 TransferEimPackage: src/eim push.c, src/ipa push.c; helper transfer) */
    AW_ERR_EIM_PUSH_RESPONSE,   /* the IPA's answer is not a TransferEimPackageResponse (status, type, DER) */

    /* SGP.32 v1.0 peers (docs/sgp32-versions.md; helper eim-v10) */
    AW_ERR_EIM_SGP32_VERSION,   /* a message in the form of an SGP.32 version other than the eUICC's registered one */

    /* minimizeEsipaBytes compact forms (SGP.32 6.3.2.1-6.3.2.5; core sgp32_compact, eIM relay; helper minimize) */
    AW_ERR_SGP32_COMPACT_CONTEXT, /* a compact form needs what the eIM does not hold (session, euiccInfo, certificates) */

    /* graded exceptions (src/platform/exceptions*.c, docs/exceptions.md; helper exceptions) */
    AW_ERR_PLATFORM_EXCEPTION_UNKNOWN, /* no such exception in the tenant */
    AW_ERR_PLATFORM_EXCEPTION_REPORT, /* a serious or critical exception closed without a submitted report */
    AW_ERR_PLATFORM_REPORT_LIMIT, /* an exception report or its attachments over their bounds */

    /* eIM notification forwarding queue (src/eim notification_queue.c; SGP.32 6.3.2.4; helper notify) */
    AW_ERR_EIM_NOTIFICATION_HELD, /* the notification is already held by the eIM for forwarding to its receiver */

    /* card operations as eIM PSMOs (src/platform card_ops*.c; SGP.32 2.11.1.1; helper cardops) */
    AW_ERR_PLATFORM_PROFILE_UNKNOWN, /* no profile with that ICCID on the card in the tenant */
    AW_ERR_PLATFORM_PROFILE_STATE, /* the profile's lifecycle state does not allow the card operation */
    AW_ERR_PLATFORM_CARD_OP_BUSY, /* another operation of the card is still in progress */
    AW_ERR_PLATFORM_CARD_OP_UNKNOWN, /* no such card operation for the card in the tenant */

    /* storage key ring: encryption at rest and key rotation (core/key_ring.h, key_ring_table.h; helper keys) */
    AW_ERR_KEY_RING_FILE,       /* storage key file: wrong size or mode, not a regular file, or key id invalid/repeated/changed */
    AW_ERR_KEY_RING_EMPTY,      /* the key ring holds no key to seal with */
    AW_ERR_KEY_RING_KEY_UNKNOWN, /* sealed under a key id the key ring does not hold */
    AW_ERR_KEY_RING_AUTHENTICATION, /* sealed data does not authenticate (tampered, other row, other key) */

    /* firmware updates applied by the IPA and their terminal reports
     * (src/ipa/firmware_update.c, src/platform/terminal_reports.c; helper firmware) */
    AW_ERR_FIRMWARE_STATE,      /* the IPA's installed-firmware record is unreadable or malformed */
    AW_ERR_TERMINAL_REPORT,     /* terminal report is not the documented JSON object within bounds */

    /* encrypted terminal information: sealed envelopes to the platform's key (core/crypto_envelope.h,
     * GB/T 32918.4 SM2 encryption, SEC 1 ECIES) and the terminal information record
     * (src/ipa/terminal_info*.c, src/platform/terminal_info*.c; helper terminfo) */
    AW_ERR_ENVELOPE_FORMAT,     /* envelope is not the documented byte format (version, suite, type, lengths) */
    AW_ERR_ENVELOPE_KEY,        /* envelope sealed to another key id or suite than the recipient key's */
    AW_ERR_ENVELOPE_DECRYPT,    /* envelope does not decrypt or authenticate (tampered, wrong key) */
    AW_ERR_ENVELOPE_SIGNATURE,  /* the envelope's device signature does not verify */
    AW_ERR_TERMINAL_INFO,       /* terminal information record is not the documented JSON within bounds */
    AW_ERR_TERMINAL_INFO_REFUSED, /* the platform did not take the terminal information (its HTTP status and T32xx code) */

    /* card-device locking (机卡互锁): DeviceInfo identities, bindings of a card to a device, the
     * eIM's and the IPA's checks, the platform's lock (core/device_identity.h,
     * src/eim/device_binding*.c, src/ipa/device_binding.c, src/platform/device_lock*.c; helper
     * devicelock) */
    AW_ERR_DEVICE_IDENTITY_FORMAT, /* IMEI/TAC not the DeviceInfo BCD digits or the documented text */
    AW_ERR_DEVICE_BINDING_SIGNATURE, /* euiccSigned1 with DeviceInfo does not verify under the eUICC chain */
    AW_ERR_DEVICE_BINDING_MISMATCH, /* the eUICC-signed DeviceInfo names another device than the binding */
    AW_ERR_DEVICE_BINDING_FILE,    /* the IPA's device-binding file is not the documented format */
    AW_ERR_DEVICE_BINDING_UNBOUND, /* the card (EID) is not bound to this device */
    AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN, /* no device binding for the card (or profile) */
    AW_ERR_PLATFORM_DEVICE_LOCKED, /* the card is locked to its device until an unlock */
    AW_ERR_PLATFORM_DEVICE_NOT_LOCKED, /* unlock of a card that is not locked */
    AW_ERR_PLATFORM_DEVICE_UNVERIFIED, /* the card's last eUICC-signed device is not the bound profile's */

    /* profile count limit per eUICC and per tenant (src/platform/profile_limit.c; helper
     * profilelimit) */
    AW_ERR_PLATFORM_PROFILE_LIMIT, /* the order would put more profiles on an eUICC than its limit */

    /* location-bound writing (境外禁写): region files, fixes and per-tenant policies
     * (src/platform/location_*.c; helper location) */
    AW_ERR_LOCATION_REGION,     /* region file is not the documented format within bounds */
    AW_ERR_LOCATION_FIX,        /* location fix malformed (kind, MCC/MNC digits, coordinates not numbers) */
    AW_ERR_LOCATION_POLICY,     /* location policy malformed (region names, inline region, bounds) */

    /* crypto suite per app: request and callback signatures (src/platform/auth_signature.c,
     * apps.c; helper suite, issue 8) */
    AW_ERR_PLATFORM_SIGNATURE_SUITE, /* request signed with the algorithm of the other crypto suite than its app's */

    AW_ERR__COUNT
} aw_err;

/* Stable symbolic name, e.g. "AW_ERR_DER_TRUNCATED". Never NULL. */
const char *aw_err_name(aw_err err);

/* Human-readable explanation. Never NULL. */
const char *aw_err_message(aw_err err);

#endif
