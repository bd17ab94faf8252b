/* airwrite core: SAIP profile packages (TCA eUICC Profile Package:
 * Interoperable Format Technical Specification, "SAIP", PE_Definitions 3.3.1).
 *
 * An unprotected profile package is the concatenation of ProfileElement TLVs
 * (a CHOICE, AUTOMATIC TAGS: header [0], genericFileManagement [1], ...,
 * end [10], mf [16], ..., opt-iot [33]). saip_profile_parse() splits it into
 * elements, checks the DER framing and the structure of every element whose
 * type we know (header first, PEHeader in every PE, Files of file-bearing
 * PEs, akaParameter, pinCodes, pukCodes, end last) and keeps a private copy of
 * each element's bytes. saip_profile_encode() writes them back byte for byte.
 *
 * Personalisation (saip_set_*) rewrites only the bytes of the field it sets;
 * every other TLV is copied verbatim, and only the lengths of the TLVs that
 * enclose a changed field are re-encoded. The getters and setters address
 * files by their position in the template-based PE (SAIP 8.3: PE-MF ef-iccid,
 * PE-USIM ef-imsi, PE-OPT-USIM ef-msisdn, and the same files in PE-IoT).
 *
 * Secrets: the Ki/OPc travel in saip_aka, which the caller erases with
 * saip_aka_cleanse(); element buffers are erased before they are freed.
 * A setter that fails on a bad value leaves the profile unchanged; one that
 * fails for lack of memory may leave it partly personalised.
 */
#ifndef AIRWRITE_CORE_SAIP_H
#define AIRWRITE_CORE_SAIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/der.h"
#include "core/error.h"

/* ProfileElement CHOICE alternatives: the value is the context tag number
 * (PE_Definitions: AUTOMATIC TAGS, alternatives numbered in order). */
typedef enum saip_pe_type {
    SAIP_PE_HEADER = 0,
    SAIP_PE_GENERIC_FILE_MANAGEMENT = 1,
    SAIP_PE_PIN_CODES = 2,
    SAIP_PE_PUK_CODES = 3,
    SAIP_PE_AKA_PARAMETER = 4,
    SAIP_PE_CDMA_PARAMETER = 5,
    SAIP_PE_SECURITY_DOMAIN = 6,
    SAIP_PE_RFM = 7,
    SAIP_PE_APPLICATION = 8,
    SAIP_PE_NON_STANDARD = 9,
    SAIP_PE_END = 10,
    /* 11..15: rfu1..rfu5 (PE-Dummy) */
    SAIP_PE_MF = 16,
    SAIP_PE_CD = 17,
    SAIP_PE_TELECOM = 18,
    SAIP_PE_USIM = 19,
    SAIP_PE_OPT_USIM = 20,
    SAIP_PE_ISIM = 21,
    SAIP_PE_OPT_ISIM = 22,
    SAIP_PE_PHONEBOOK = 23,
    SAIP_PE_GSM_ACCESS = 24,
    SAIP_PE_CSIM = 25,
    SAIP_PE_OPT_CSIM = 26,
    SAIP_PE_EAP = 27,
    SAIP_PE_DF_5GS = 28,
    SAIP_PE_DF_SAIP = 29,
    SAIP_PE_DF_SNPN = 30,
    SAIP_PE_DF_5GPROSE = 31,
    SAIP_PE_IOT = 32,
    SAIP_PE_OPT_IOT = 33,
    SAIP_PE_TYPE_COUNT
} saip_pe_type;

/* Most elements a package may hold; a real profile has a few dozen. */
#define SAIP_MAX_ELEMENTS 4096

/* AlgoParameter algorithmID (PE_Definitions AlgoParameter). */
typedef enum saip_algorithm {
    SAIP_ALGORITHM_MILENAGE = 1,
    SAIP_ALGORITHM_TUAK = 2,
    SAIP_ALGORITHM_TEST = 3, /* usim-test-algorithm, 3GPP TS 34.108 8.1.2 */
} saip_algorithm;

/* Ki/OPc and algorithm of a PE-AKAParameter. Holds secrets: erase with
 * saip_aka_cleanse() once done. Key lengths: Milenage and the test algorithm
 * 16 bytes (OPc 16); TUAK key 16 or 32 bytes, TOPc 32 bytes. */
#define SAIP_AKA_KEY_MAX 32
typedef struct saip_aka {
    saip_algorithm algorithm;
    uint8_t algorithm_options;       /* AlgoParameter algorithmOptions */
    uint8_t key[SAIP_AKA_KEY_MAX];
    size_t key_len;
    uint8_t opc[SAIP_AKA_KEY_MAX];
    size_t opc_len;
} saip_aka;

/* Text sizes including the NUL. */
#define SAIP_ICCID_TEXT 21  /* 19 or 20 digits */
#define SAIP_IMSI_TEXT 16   /* 6..15 digits */
#define SAIP_MSISDN_TEXT 22 /* optional '+' and up to 20 digits read back */

/* One element, as listed by saip_profile_element(). The slices point into
 * the profile and stay valid until the profile is modified or freed. */
typedef struct saip_element_info {
    saip_pe_type type;
    uint32_t tag;              /* ProfileElement tag, e.g. 0xA0, 0xB3, 0xBF20 */
    bool has_identification;   /* false only for the header */
    uint16_t identification;   /* PEHeader identification (UInt15) */
    bool mandated;             /* PEHeader mandated NULL present */
    aw_slice der;              /* the whole ProfileElement TLV */
} saip_element_info;

typedef struct saip_profile saip_profile;

/* ---- Parse, encode, inspect (saip.c, saip_element.c, saip_file.c) ------ */

/* Parse an unprotected profile package. On success *out owns a copy of the
 * input. Errors: DER framing (AW_ERR_DER_*), AW_ERR_SAIP_HEADER (not first /
 * repeated / malformed ProfileHeader), AW_ERR_SAIP_UNKNOWN_ELEMENT,
 * AW_ERR_SAIP_END (missing, repeated or not last), AW_ERR_SAIP_FORMAT
 * (element content does not follow its ASN.1 type), AW_ERR_SAIP_SEQUENCE
 * (identification values not unique, a single-instance PE repeated, an
 * optional template PE before the PE it extends, or a NAA the header makes
 * mandatory without its PE), AW_ERR_LIMIT. */
aw_err saip_profile_parse(const uint8_t *buf, size_t len, saip_profile **out);

/* Concatenate the elements (freshly allocated; free with der_bytes_free). */
aw_err saip_profile_encode(const saip_profile *p, uint8_t **out, size_t *out_len);

/* Erase and free. NULL-safe. */
void saip_profile_free(saip_profile *p);

size_t saip_profile_element_count(const saip_profile *p);
/* AW_ERR_NOT_FOUND past the last element. */
aw_err saip_profile_element(const saip_profile *p, size_t index, saip_element_info *out);

/* ASN.1 identifier of the alternative ("usim", "opt-usim", ...), or "rfu". */
const char *saip_pe_type_name(saip_pe_type type);

/* ProfileHeader major/minor version. */
aw_err saip_get_version(const saip_profile *p, unsigned *major, unsigned *minor);

/* Content of File component [number] (its position in the PE type, e.g.
 * SAIP_PE_MF and 5 for EF.DIR) of the first element of that type, laid out
 * as SAIP 8.3.2 fills it: fillFileOffset skips, fillFileContent writes;
 * skipped bytes read as 0xFF, the template's default. *len is the extent
 * the pieces define (0 when the profile gives no content). Errors:
 * AW_ERR_NOT_FOUND, AW_ERR_BUFFER_TOO_SMALL, AW_ERR_LIMIT (over 1 MiB). */
aw_err saip_get_file_content(const saip_profile *p, saip_pe_type type, unsigned number,
                             uint8_t *out, size_t cap, size_t *len);

/* ---- Personalisation fields (saip_personalise.c) ---------------------- */

/* ICCID from ProfileHeader iccid (plain BCD, F-padded), checked against
 * EF.ICCID when the profile gives its content (nibble-swapped, ETSI TS 102
 * 221 13.2): AW_ERR_SAIP_FIELD if they differ or are not BCD. */
aw_err saip_get_iccid(const saip_profile *p, char out[SAIP_ICCID_TEXT]);
/* Sets the header and EF.ICCID (if the profile has one). 19 or 20 digits,
 * else AW_ERR_SAIP_ICCID. */
aw_err saip_set_iccid(saip_profile *p, const char *iccid);

/* IMSI from EF.IMSI of the usim (or iot) element, 3GPP TS 31.102 4.2.2.
 * AW_ERR_SAIP_FIELD if there is no EF.IMSI or its content is not an IMSI. */
aw_err saip_get_imsi(const saip_profile *p, char out[SAIP_IMSI_TEXT]);
/* 6..15 digits, else AW_ERR_SAIP_IMSI. Writes the 9 bytes of EF.IMSI;
 * AW_ERR_SAIP_FIELD if there is none or it is marked doNotCreate. */
aw_err saip_set_imsi(saip_profile *p, const char *imsi);

/* MSISDN from record 1 of EF.MSISDN (opt-usim ef-msisdn), 3GPP TS 31.102
 * 4.2.26 / TS 51.011 10.5.1. AW_ERR_NOT_FOUND if the profile has no
 * EF.MSISDN or the record is empty. A leading '+' marks an international
 * number (TON 001). */
aw_err saip_get_msisdn(const saip_profile *p, char out[SAIP_MSISDN_TEXT]);
/* Up to 15 digits with an optional leading '+', else AW_ERR_SAIP_MSISDN.
 * Writes the 14 number bytes at the end of record 1 (the alpha identifier
 * is left as it is). AW_ERR_NOT_FOUND if the profile has no EF.MSISDN to
 * write into, AW_ERR_SAIP_FIELD if its fileDescriptor gives no record
 * length of at least 14. */
aw_err saip_set_msisdn(saip_profile *p, const char *msisdn);

/* Ki/OPc/algorithm of the first akaParameter with an algoParameter.
 * AW_ERR_NOT_FOUND if there is none. *out is cleared first. */
aw_err saip_get_aka(const saip_profile *p, saip_aka *out);
/* Sets algorithmID, algorithmOptions, key and opc in every akaParameter
 * with an algoParameter (one subscription key for all NAAs, as pySim
 * does), leaving the other components as they are, and adds the
 * algorithm to the header's eUICC-Mandatory-services if it is missing.
 * AW_ERR_SAIP_ALGORITHM for an unknown algorithm, AW_ERR_SAIP_KEY_LENGTH
 * for a key or OPc of the wrong size, AW_ERR_NOT_FOUND if no akaParameter. */
aw_err saip_set_aka(saip_profile *p, const saip_aka *aka);

/* Check a Ki/OPc pair against its algorithm (lengths above). */
aw_err saip_aka_check(const saip_aka *aka);
void saip_aka_cleanse(saip_aka *aka);

/* Validate a value without a profile (the same rules the setters apply). */
aw_err saip_check_iccid(const char *iccid);
aw_err saip_check_imsi(const char *imsi);
aw_err saip_check_msisdn(const char *msisdn);
/* ITU-T E.118 4.2: the last digit of a 19- or 20-digit ICCID is the Luhn
 * check digit computed over all the digits before it. */
bool saip_iccid_luhn_ok(const char *iccid);
/* The Luhn check digit ('0'..'9') of the n decimal digits at digits. */
char saip_iccid_check_digit(const char *digits, size_t n);

/* ---- Builder (saip_build.c) ------------------------------------------- */

/* Parameters of a minimal spec-valid USIM profile. Strings are NUL-terminated
 * digits. PIN1/PIN2: 4..8 digits; PUK1/PUK2: 8 digits; ADM1: 8 digits or
 * 16 hex digits (raw key). */
typedef struct saip_build_params {
    const char *iccid;
    const char *imsi;
    const char *msisdn;        /* optional: adds opt-usim with EF.MSISDN */
    const char *profile_type;  /* optional, 1..100 bytes; default "airwrite" */
    const char *spn;           /* optional service provider name, <= 16 chars */
    unsigned mnc_length;       /* 2 or 3 (EF.AD); 0 means 2 */
    saip_aka aka;
    const char *pin1;
    const char *pin2;
    const char *puk1;
    const char *puk2;
    const char *adm1;
} saip_build_params;

/* Build the package: header, mf, pukCodes, pinCodes, telecom, usim,
 * [opt-usim with EF.MSISDN], pinCodes (USIM), akaParameter, end.
 * Errors: the saip_check_* codes for bad values, AW_ERR_SAIP_VALUE for a bad
 * PIN/PUK/ADM, SPN, MNC length or profile type, AW_ERR_ARGUMENT for a
 * missing mandatory parameter. *out is freed with der_bytes_free. */
aw_err saip_build(const saip_build_params *params, uint8_t **out, size_t *out_len);

#endif
