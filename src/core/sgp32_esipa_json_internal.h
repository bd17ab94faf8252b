/* airwrite core: what the two halves of the ESipa JSON binding share
 * (sgp32_esipa_json.c: members and requests; sgp32_esipa_json_answer.c:
 * answers and status codes). Not a public interface. */
#ifndef AIRWRITE_CORE_SGP32_ESIPA_JSON_INTERNAL_H
#define AIRWRITE_CORE_SGP32_ESIPA_JSON_INTERNAL_H

#include <jansson.h>

#include "core/der.h"
#include "core/sgp32_esipa_json.h"

/* How an ASN.1 component travels as a JSON member (SGP.22 6.5 conventions). */
typedef enum esipa_member_kind {
    ESIPA_MEMBER_TLV,     /* base64 of one DER TLV (json_tag; 0: any), carried as tag */
    ESIPA_MEMBER_WRAPPED, /* base64 of one DER TLV, carried inside the constructed tag */
    ESIPA_MEMBER_OCTETS,  /* base64 of the content octets of the primitive tag */
    ESIPA_MEMBER_HEX,     /* hex digits of the content octets of the primitive tag */
    ESIPA_MEMBER_TEXT,    /* UTF-8 text: the content octets of the primitive tag */
    ESIPA_MEMBER_EID,     /* the 32 digits of the 16 octets of eidValue */
    ESIPA_MEMBER_FLAG,    /* true: a NULL of tag present */
    ESIPA_MEMBER_INTEGER, /* a JSON integer: an INTEGER of tag */
} esipa_member_kind;

typedef struct esipa_member {
    const char *name;
    esipa_member_kind kind;
    uint32_t tag;       /* the component's tag in the ASN.1 message */
    uint32_t json_tag;  /* ESIPA_MEMBER_TLV: the tag of the TLV in the JSON (0: any) */
    bool optional;
    size_t min, max;    /* octets (OCTETS, HEX) or bytes (TEXT) */
} esipa_member;

/* A SEQUENCE of members (choice: exactly one of them, all optional). */
typedef struct esipa_shape {
    uint32_t outer;     /* the message's tag */
    uint32_t inner;     /* 0, or the CHOICE alternative around the members */
    const esipa_member *members;
    size_t count;
    bool choice;
    bool empty_allowed; /* choice: none present is the alternative empty_tag */
    uint32_t empty_tag;
    const char *blame;  /* the member named when the codec refuses the message */
} esipa_shape;

/* JSON members of the components of content (the TLVs inside a shape's
 * outer / inner tag); components no member names are left out.
 * AW_ERR_ESIPA_JSON_INVALID for a value JSON cannot carry (text not UTF-8,
 * an EID with a non-digit), AW_ERR_NOMEM. */
aw_err esipa_json_put_members(json_t *out, const esipa_shape *shape, aw_slice content);

/* The message of shape from the members of root into *der (malloc'd).
 * AW_ERR_ESIPA_JSON_MISSING / _INVALID with *member naming the member. */
aw_err esipa_json_build(const esipa_shape *shape, const json_t *root, uint8_t **der,
                        size_t *der_len, const char **member);

/* One JSON object within SGP32_ESIPA_JSON_BODY_MAX (NULL: not one). */
json_t *esipa_json_load(const uint8_t *json, size_t len);

/* Dump root compactly into *json (NUL-terminated, malloc'd). */
aw_err esipa_json_dump(const json_t *root, char **json, size_t *json_len);

#endif
