/* airwrite core: the tags of SGP.32 SGP32Definitions (eIM, IPA, ESipa).
 *
 * One table for every message-level tag airwrite encodes or decodes, each
 * with its ASN.1 type and the clause that defines it. Tags are the wire bytes
 * as the spec writes them (see der.h).
 */
#ifndef AIRWRITE_CORE_SGP32_TAGS_H
#define AIRWRITE_CORE_SGP32_TAGS_H

#endif
