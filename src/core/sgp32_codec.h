/* airwrite core (internal to the sgp32_*.c files): a table-driven DER codec
 * for the SGP.32 SGP32Definitions types (SGP.32 2.1.3 and 6.3 ASN.1).
 *
 * Each ASN.1 type is described once, as a table of its components
 * (SEQUENCE) or alternatives (CHOICE) with their tags and where the value
 * lives in the C struct; one decoder and one encoder walk those tables. That
 * keeps the tag/ordering/constraint rules in one audited place instead of
 * fifty hand-written parsers, and makes decode -> encode byte-exact by
 * construction (every accepted value has exactly one encoding).
 */
#ifndef AIRWRITE_CORE_SGP32_CODEC_H
#define AIRWRITE_CORE_SGP32_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/der.h"
#include "core/sgp32_common.h"

#define SGP32_NO_OFFSET SIZE_MAX

enum sgp32_field_kind {
    SGP32_FIELD_OCTETS = 1,      /* primitive OCTET STRING / UTF8String: aw_slice, SIZE(min..max) */
    SGP32_FIELD_INTEGER,         /* INTEGER: int64_t */
    SGP32_FIELD_NULL,            /* NULL: presence only */
    SGP32_FIELD_BITS,            /* BIT STRING: sgp32_bit_string */
    SGP32_FIELD_OID,             /* OBJECT IDENTIFIER: aw_slice of the content octets */
    SGP32_FIELD_FOREIGN,         /* a type of another module: aw_slice of the whole TLV */
    SGP32_FIELD_WRAPPED_FOREIGN, /* [n] EXPLICIT around a foreign CHOICE: aw_slice of the inner TLV */
    SGP32_FIELD_RAW_LIST,        /* SEQUENCE OF kept raw (whole TLV); element tags checked */
    SGP32_FIELD_TYPE,            /* tagged SGP.32 SEQUENCE or CHOICE described by .type */
    SGP32_FIELD_CHOICE,          /* untagged SGP.32 CHOICE: the TLV is the alternative itself */
    SGP32_FIELD_LIST,            /* SEQUENCE OF into a fixed array (capacity .max) */
};

struct sgp32_type;

typedef struct sgp32_field {
    uint32_t tag;                   /* 0 for SGP32_FIELD_CHOICE and list elements of one */
    uint8_t kind;                   /* enum sgp32_field_kind */
    bool optional;
    size_t offset;                  /* of the value (SGP32_NO_OFFSET: none, e.g. NULL) */
    size_t present_offset;          /* bool set when present, or SGP32_NO_OFFSET */
    size_t min, max;                /* OCTETS: SIZE bounds; LIST: capacity */
    const struct sgp32_type *type;  /* TYPE, CHOICE */
    const struct sgp32_field *element; /* LIST, RAW_LIST */
    size_t stride;                  /* LIST: element size */
    size_t count_offset;            /* LIST: size_t element count */
} sgp32_field;

typedef struct sgp32_type {
    const sgp32_field *fields;      /* SEQUENCE components or CHOICE alternatives */
    size_t count;
    bool choice;
    bool signed_part;               /* encoders write .raw verbatim when it is set */
    size_t raw_offset;              /* aw_slice raw (the whole TLV), or SGP32_NO_OFFSET */
    size_t extensions_offset;       /* SEQUENCE: aw_slice extensions */
    size_t kind_offset;             /* CHOICE: int-sized kind, alternative i has kind i + 1 */
    int unknown_kind;               /* CHOICE: kind for an alternative this version lacks (0: refuse) */
    size_t unknown_offset;          /* CHOICE: aw_slice of that alternative's TLV */
    int empty_kind;                 /* tagged CHOICE: kind for an empty wrapper (0: refuse) */
} sgp32_type;

/* Decode exactly one TLV in buf[0..len) described by top (tag checked unless
 * top is an untagged CHOICE) into out, which is zeroed first and on error. */
aw_err sgp32_codec_decode(const sgp32_field *top, const uint8_t *buf, size_t len, void *out,
                          size_t out_size);

/* Append the encoding of in described by top. Caller errors (a CHOICE kind
 * not set, a count past capacity, a foreign slice with the wrong tag) set the
 * builder's sticky error to AW_ERR_ARGUMENT. */
void sgp32_codec_put(der_builder *b, const sgp32_field *top, const void *in);

/* sgp32_codec_put into a fresh buffer (free with free). */
aw_err sgp32_codec_encode(const sgp32_field *top, const void *in, uint8_t **out, size_t *out_len);

/* ---- Descriptor helpers ----------------------------------------------- */

#define SGP32_PRESENT(st, m) offsetof(st, m)

#define SGP32_F_OCTETS(t, st, m, lo, hi) \
    {.tag = (t), .kind = SGP32_FIELD_OCTETS, .offset = offsetof(st, m), \
     .present_offset = SGP32_NO_OFFSET, .min = (lo), .max = (hi)}
#define SGP32_F_OPT_OCTETS(t, st, m, lo, hi) \
    {.tag = (t), .kind = SGP32_FIELD_OCTETS, .optional = true, .offset = offsetof(st, m), \
     .present_offset = offsetof(st, has_##m), .min = (lo), .max = (hi)}
#define SGP32_F_INTEGER(t, st, m) \
    {.tag = (t), .kind = SGP32_FIELD_INTEGER, .offset = offsetof(st, m), \
     .present_offset = SGP32_NO_OFFSET}
#define SGP32_F_OPT_INTEGER(t, st, m) \
    {.tag = (t), .kind = SGP32_FIELD_INTEGER, .optional = true, .offset = offsetof(st, m), \
     .present_offset = offsetof(st, has_##m)}
/* OPTIONAL NULL: the bool member m is the value */
#define SGP32_F_OPT_NULL(t, st, m) \
    {.tag = (t), .kind = SGP32_FIELD_NULL, .optional = true, .offset = SGP32_NO_OFFSET, \
     .present_offset = offsetof(st, m)}
/* NULL alternative of a CHOICE: the kind is the value */
#define SGP32_A_NULL(t) \
    {.tag = (t), .kind = SGP32_FIELD_NULL, .offset = SGP32_NO_OFFSET, \
     .present_offset = SGP32_NO_OFFSET}
/* Placeholder keeping a shared kind enum aligned: never matches, never encodes */
#define SGP32_A_UNUSED {.tag = 0, .kind = 0, .offset = SGP32_NO_OFFSET, \
                        .present_offset = SGP32_NO_OFFSET}
#define SGP32_F_BITS(t, st, m) \
    {.tag = (t), .kind = SGP32_FIELD_BITS, .offset = offsetof(st, m), \
     .present_offset = SGP32_NO_OFFSET}
#define SGP32_F_OPT_BITS(t, st, m) \
    {.tag = (t), .kind = SGP32_FIELD_BITS, .optional = true, .offset = offsetof(st, m), \
     .present_offset = offsetof(st, has_##m)}
#define SGP32_F_OPT_OID(t, st, m) \
    {.tag = (t), .kind = SGP32_FIELD_OID, .optional = true, .offset = offsetof(st, m), \
     .present_offset = offsetof(st, has_##m)}
#define SGP32_F_FOREIGN(t, st, m) \
    {.tag = (t), .kind = SGP32_FIELD_FOREIGN, .offset = offsetof(st, m), \
     .present_offset = SGP32_NO_OFFSET}
#define SGP32_F_OPT_FOREIGN(t, st, m) \
    {.tag = (t), .kind = SGP32_FIELD_FOREIGN, .optional = true, .offset = offsetof(st, m), \
     .present_offset = offsetof(st, has_##m)}
#define SGP32_F_OPT_WRAPPED_FOREIGN(t, st, m) \
    {.tag = (t), .kind = SGP32_FIELD_WRAPPED_FOREIGN, .optional = true, \
     .offset = offsetof(st, m), .present_offset = offsetof(st, has_##m)}
#define SGP32_F_WRAPPED_FOREIGN(t, st, m) \
    {.tag = (t), .kind = SGP32_FIELD_WRAPPED_FOREIGN, .offset = offsetof(st, m), \
     .present_offset = SGP32_NO_OFFSET}
#define SGP32_F_OPT_RAW_LIST(t, st, m, el) \
    {.tag = (t), .kind = SGP32_FIELD_RAW_LIST, .optional = true, .offset = offsetof(st, m), \
     .present_offset = offsetof(st, has_##m), .element = (el)}
#define SGP32_F_TYPE(t, st, m, ty) \
    {.tag = (t), .kind = SGP32_FIELD_TYPE, .offset = offsetof(st, m), \
     .present_offset = SGP32_NO_OFFSET, .type = (ty)}
#define SGP32_F_OPT_TYPE(t, st, m, ty) \
    {.tag = (t), .kind = SGP32_FIELD_TYPE, .optional = true, .offset = offsetof(st, m), \
     .present_offset = offsetof(st, has_##m), .type = (ty)}
#define SGP32_F_CHOICE(st, m, ty) \
    {.tag = 0, .kind = SGP32_FIELD_CHOICE, .offset = offsetof(st, m), \
     .present_offset = SGP32_NO_OFFSET, .type = (ty)}
#define SGP32_F_LIST(t, st, items, count_member, el) \
    {.tag = (t), .kind = SGP32_FIELD_LIST, .offset = offsetof(st, items), \
     .present_offset = SGP32_NO_OFFSET, .element = (el), \
     .max = sizeof(((st *)0)->items) / sizeof(((st *)0)->items[0]), \
     .stride = sizeof(((st *)0)->items[0]), .count_offset = offsetof(st, count_member)}

/* Element descriptors (value at offset 0 of each array element) */
#define SGP32_E_TYPE(t, ty) \
    {.tag = (t), .kind = SGP32_FIELD_TYPE, .offset = 0, .present_offset = SGP32_NO_OFFSET, \
     .type = (ty)}
#define SGP32_E_CHOICE(ty) \
    {.tag = 0, .kind = SGP32_FIELD_CHOICE, .offset = 0, .present_offset = SGP32_NO_OFFSET, \
     .type = (ty)}
#define SGP32_E_INTEGER(t) \
    {.tag = (t), .kind = SGP32_FIELD_INTEGER, .offset = 0, .present_offset = SGP32_NO_OFFSET}
#define SGP32_E_TAG(t) \
    {.tag = (t), .kind = SGP32_FIELD_FOREIGN, .offset = 0, .present_offset = SGP32_NO_OFFSET}

#define SGP32_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* An extensible SEQUENCE type with members raw and extensions */
#define SGP32_SEQUENCE_TYPE(st, fields_array) \
    {.fields = (fields_array), .count = SGP32_COUNT(fields_array), \
     .raw_offset = offsetof(st, raw), .extensions_offset = offsetof(st, extensions), \
     .kind_offset = SGP32_NO_OFFSET, .unknown_offset = SGP32_NO_OFFSET}

/* Top-level descriptor of a tagged type */
#define SGP32_TOP(t, ty) \
    {.tag = (t), .kind = SGP32_FIELD_TYPE, .offset = 0, .present_offset = SGP32_NO_OFFSET, \
     .type = (ty)}

/* Top-level descriptor of an untagged CHOICE (the struct is the CHOICE) */
#define SGP32_TOP_CHOICE(ty) \
    {.tag = 0, .kind = SGP32_FIELD_CHOICE, .offset = 0, .present_offset = SGP32_NO_OFFSET, \
     .type = (ty)}

/* Decode/put/encode wrappers of a public type sgp32_<name> described by top */
#define SGP32_DEFINE_CODEC(name, top)                                                   \
    aw_err sgp32_decode_##name(const uint8_t *buf, size_t len, sgp32_##name *out)       \
    {                                                                                   \
        return sgp32_codec_decode(&(top), buf, len, out, sizeof(*out));                 \
    }                                                                                   \
    void sgp32_put_##name(der_builder *b, const sgp32_##name *in)                       \
    {                                                                                   \
        sgp32_codec_put(b, &(top), in);                                                 \
    }                                                                                   \
    aw_err sgp32_encode_##name(const sgp32_##name *in, uint8_t **out, size_t *out_len)  \
    {                                                                                   \
        return sgp32_codec_encode(&(top), in, out, out_len);                            \
    }

/* Descriptors shared between the sgp32_*.c files */
extern const sgp32_type sgp32_empty_type;                      /* SEQUENCE {} */
extern const sgp32_type sgp32_eim_configuration_data_type;     /* sgp32_package.c */
extern const sgp32_type sgp32_euicc_package_request_type;      /* sgp32_package.c */
extern const sgp32_type sgp32_euicc_package_result_type;       /* sgp32_package.c */
extern const sgp32_type sgp32_ipa_euicc_data_request_type;     /* sgp32_ipa.c */
extern const sgp32_type sgp32_ipa_euicc_data_response_type;    /* sgp32_ipa.c */
extern const sgp32_field sgp32_eim_acknowledgements_element;  /* sgp32_ipa.c */
extern const sgp32_type sgp32_profile_download_trigger_request_type; /* sgp32_trigger.c */
extern const sgp32_type sgp32_profile_download_trigger_result_type;  /* sgp32_trigger.c */

#endif
