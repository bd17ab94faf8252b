/* airwrite core: the application and context tags of SGP.22 RSPDefinitions.
 *
 * One table for every message-level tag airwrite encodes or decodes, each
 * with its ASN.1 type and the clause that defines it. Tags are the wire bytes
 * as the spec writes them (see der.h). Component tags inside a SEQUENCE
 * ([0], [1], ...) are written in place as DER_CTX(n) with the field's name.
 */
#ifndef AIRWRITE_CORE_SGP22_TAGS_H
#define AIRWRITE_CORE_SGP22_TAGS_H

/* Tags shared by many messages */
#define SGP22_TAG_EUICC_SIGNATURE 0x5F37u /* [APPLICATION 55] OCTET STRING: r||s, SGP.22 2.6.7 */

/* -- authentication and download: ES10b/ES9+ (sgp22_auth, sgp22_download, sgp22_bpp) -- */

/* -- eUICC info, profile info, notifications: ES10b/ES10c (sgp22_euicc_info, sgp22_profile_info, sgp22_notification) -- */

#endif
