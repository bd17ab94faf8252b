/* airwrite core: SAIP internals shared by saip.c, saip_file.c,
 * saip_personalise.c and saip_build.c. Tags follow PE_Definitions 3.3.1
 * (AUTOMATIC TAGS unless the type gives its own tags, as Fcp does). */
#ifndef AIRWRITE_CORE_SAIP_INTERNAL_H
#define AIRWRITE_CORE_SAIP_INTERNAL_H

#include "core/saip.h"

/* ProfileElement alternative [n], constructed: A0..BE, then BF 1F, BF 20, ... */
#define SAIP_PE_TAG(n) ((n) < 31 ? (0xA0u | (uint32_t)(n)) : (0xBF00u | (uint32_t)(n)))

/* PEHeader (every PE but the header): mandated [0] NULL, identification [1] */
#define SAIP_TAG_PE_HEADER 0xA0u
#define SAIP_TAG_PE_HEADER_MANDATED 0x80u
#define SAIP_TAG_PE_HEADER_ID 0x81u
/* templateID [1] OBJECT IDENTIFIER of every template-based PE */
#define SAIP_TAG_TEMPLATE_ID 0x81u

/* ProfileHeader components */
#define SAIP_TAG_HEADER_MAJOR 0x80u
#define SAIP_TAG_HEADER_MINOR 0x81u
#define SAIP_TAG_HEADER_PROFILE_TYPE 0x82u
#define SAIP_TAG_HEADER_ICCID 0x83u
#define SAIP_TAG_HEADER_POL 0x84u
#define SAIP_TAG_HEADER_SERVICES 0xA5u
#define SAIP_TAG_HEADER_GFSTE_LIST 0xA6u
#define SAIP_TAG_HEADER_CONNECTIVITY 0x87u
#define SAIP_TAG_HEADER_AIDS 0xA8u
#define SAIP_TAG_HEADER_IOT_OPTIONS 0xA9u

/* ServicesList NULL components used by the builder and saip_set_aka */
#define SAIP_TAG_SERVICE_USIM 0x81u
#define SAIP_TAG_SERVICE_MILENAGE 0x84u
#define SAIP_TAG_SERVICE_TUAK128 0x85u
#define SAIP_TAG_SERVICE_TUAK256 0x90u
#define SAIP_TAG_SERVICE_TEST_ALGORITHM 0x91u

/* File ::= SEQUENCE OF CHOICE */
#define SAIP_TAG_FILE_DO_NOT_CREATE 0x80u
#define SAIP_TAG_FILE_DESCRIPTOR 0xA1u
#define SAIP_TAG_FILE_OFFSET 0x82u
#define SAIP_TAG_FILE_CONTENT 0x83u

/* Fcp (explicit tags, ETSI TS 102 222 coding) */
#define SAIP_TAG_FCP_FILE_DESCRIPTOR 0x82u
#define SAIP_TAG_FCP_FILE_ID 0x83u
#define SAIP_TAG_FCP_DF_NAME 0x84u
#define SAIP_TAG_FCP_SECURITY_ATTRIBUTES 0x8Bu
#define SAIP_TAG_FCP_EF_FILE_SIZE 0x80u
#define SAIP_TAG_FCP_PIN_STATUS 0xC6u
#define SAIP_TAG_FCP_SHORT_EF_ID 0x88u
#define SAIP_TAG_FCP_PROPRIETARY 0xA5u

/* File components by template position (context number in the PE) */
#define SAIP_MF_EF_ICCID 4u
#define SAIP_USIM_EF_IMSI 3u
#define SAIP_OPT_USIM_EF_MSISDN 7u
#define SAIP_IOT_EF_ICCID 4u
#define SAIP_IOT_EF_IMSI 9u

/* PE-AKAParameter */
#define SAIP_TAG_AKA_ALGO_CONFIGURATION 0xA1u
#define SAIP_TAG_AKA_MAPPING_PARAMETER 0xA0u
#define SAIP_TAG_AKA_ALGO_PARAMETER 0xA1u
#define SAIP_TAG_ALGO_ID 0x80u
#define SAIP_TAG_ALGO_OPTIONS 0x81u
#define SAIP_TAG_ALGO_KEY 0x82u
#define SAIP_TAG_ALGO_OPC 0x83u

/* One element: its own copy of the ProfileElement TLV. */
struct saip_element {
    uint8_t *der;
    size_t len;
    saip_pe_type type;
    uint32_t tag;
};

struct saip_profile {
    struct saip_element *elements;
    size_t count;
};

/* Check one ProfileElement TLV (the whole of buf) against its ASN.1 type. */
aw_err saip_element_check(const uint8_t *buf, size_t len, saip_pe_type *type);

/* PEHeader at the reader (PE_Definitions PEHeader): mandated, identification. */
aw_err saip_check_pe_header(der_reader *r, bool *mandated, uint16_t *id);

/* Open a reader over the components of element e (depth 1). */
aw_err saip_element_open(const struct saip_element *e, der_reader *r);

/* Replace bytes [start, end) of element index with repl. chain holds the
 * offsets, outermost first, of the constructed TLVs enclosing the range
 * (chain[0] is 0, the element itself); their lengths are re-encoded and
 * every other byte is kept. The result is checked with saip_element_check
 * before it replaces the element. */
aw_err saip_element_splice(saip_profile *p, size_t index, const size_t *chain, size_t depth,
                           size_t start, size_t end, const uint8_t *repl, size_t repl_len);

/* ---- Codings (saip_personalise.c) ---- */

#define SAIP_IMSI_FILE_BYTES 9      /* EF.IMSI, 3GPP TS 31.102 4.2.2 */
#define SAIP_MSISDN_NUMBER_BYTES 14 /* EF.MSISDN after the alpha identifier */

/* BCD with F padding: first digit in the high nibble, or in the low nibble
 * when swapped (ETSI TS 102 221 13.2). Digits are checked by the caller. */
void saip_bcd_encode(const char *digits, uint8_t *out, size_t out_len, bool swapped);
/* EF.IMSI content of a checked IMSI (3GPP TS 24.008 10.5.1.4 coding). */
void saip_imsi_encode(const char *imsi, uint8_t out[SAIP_IMSI_FILE_BYTES]);
/* EF.MSISDN number part of a checked MSISDN (3GPP TS 31.102 4.2.26). */
void saip_msisdn_encode(const char *msisdn, uint8_t out[SAIP_MSISDN_NUMBER_BYTES]);

/* ---- Files (saip_file.c) ---- */

/* A File component of a template-based PE. */
typedef struct saip_file_ref {
    size_t element;      /* index in the profile */
    size_t offset;       /* offset of the File TLV inside the element */
} saip_file_ref;

/* First element of this type holding File component [number]. */
aw_err saip_file_find(const saip_profile *p, saip_pe_type type, unsigned number, saip_file_ref *out);

/* Read content bytes [offset, offset+len) as the fill pieces define them;
 * bytes no piece defines read as 0xFF. *defined tells whether every byte
 * was given by a fillFileContent. */
aw_err saip_file_read(const saip_profile *p, const saip_file_ref *f, size_t offset,
                      uint8_t *out, size_t len, bool *defined);

/* Write content bytes at [offset, offset+len). Patches the fillFileContent
 * pieces in place when they already cover the range; otherwise the fill
 * pieces are re-emitted after the fileDescriptor. AW_ERR_SAIP_FIELD for a
 * doNotCreate file. */
aw_err saip_file_write(saip_profile *p, const saip_file_ref *f, size_t offset,
                       const uint8_t *data, size_t len);

/* Record length from the Fcp fileDescriptor (ETSI TS 102 222: FDB, DCB,
 * record length on two bytes). AW_ERR_NOT_FOUND if it gives none. */
aw_err saip_file_record_length(const saip_profile *p, const saip_file_ref *f, size_t *out);

#endif
