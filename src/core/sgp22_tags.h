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
#define SGP22_TAG_PREPARE_DOWNLOAD 0xBF21u /* PrepareDownloadRequest/Response, ES10b 5.7.5 */
#define SGP22_TAG_INITIALISE_SECURE_CHANNEL 0xBF23u /* InitialiseSecureChannelRequest, ES8+ 5.5.1 */
#define SGP22_TAG_CONFIGURE_ISDP 0xBF24u /* ConfigureISDPRequest, ES8+ 5.5.2 */
#define SGP22_TAG_STORE_METADATA 0xBF25u /* StoreMetadataRequest, ES8+ 5.5.3 */
#define SGP22_TAG_REPLACE_SESSION_KEYS 0xBF26u /* ReplaceSessionKeysRequest, ES8+ 5.5.4 */
#define SGP22_TAG_PROFILE_INSTALLATION_RESULT_DATA 0xBF27u /* ProfileInstallationResultData, 5.7.6 */
#define SGP22_TAG_GET_EUICC_CHALLENGE 0xBF2Eu /* GetEuiccChallengeRequest/Response, ES10b 5.7.7 */
#define SGP22_TAG_BOUND_PROFILE_PACKAGE 0xBF36u /* BoundProfilePackage, 2.5.4 / ES10b 5.7.6 */
#define SGP22_TAG_PROFILE_INSTALLATION_RESULT 0xBF37u /* ProfileInstallationResult, ES10b 5.7.6 */
#define SGP22_TAG_AUTHENTICATE_SERVER 0xBF38u /* AuthenticateServerRequest/Response, ES10b 5.7.13 */
#define SGP22_TAG_INITIATE_AUTHENTICATION 0xBF39u /* InitiateAuthenticationRequest/Response, ES9+ 5.6.1 */
#define SGP22_TAG_GET_BOUND_PROFILE_PACKAGE 0xBF3Au /* GetBoundProfilePackageRequest/Response, ES9+ 5.6.2 */
#define SGP22_TAG_AUTHENTICATE_CLIENT 0xBF3Bu /* AuthenticateClientRequest/ResponseEs9, ES9+ 5.6.3 */
#define SGP22_TAG_CANCEL_SESSION 0xBF41u /* CancelSessionRequest/Response (ES10b 5.7.14), ES9+ 5.6.5 */
#define SGP22_TAG_EUICC_OTPK 0x5F49u /* [APPLICATION 73] otPK.EUICC.ECKA / otPK.DP.ECKA, 5.5.1, 5.7.5 */
#define SGP22_TAG_BPP_SEQUENCE_87_FIRST 0xA0u /* BoundProfilePackage firstSequenceOf87, 2.5.4 */
#define SGP22_TAG_BPP_SEQUENCE_88 0xA1u /* BoundProfilePackage sequenceOf88, 2.5.4 */
#define SGP22_TAG_BPP_SEQUENCE_87_SECOND 0xA2u /* BoundProfilePackage secondSequenceOf87, 2.5.4 */
#define SGP22_TAG_BPP_SEQUENCE_86 0xA3u /* BoundProfilePackage sequenceOf86, 2.5.4 */
#define SGP22_TAG_BPP_SEGMENT_87 0x87u /* encrypted+MACed ConfigureISDP/ReplaceSessionKeys, 2.5.4 */
#define SGP22_TAG_BPP_SEGMENT_88 0x88u /* MACed StoreMetadata segment, 2.5.4 */
#define SGP22_TAG_BPP_SEGMENT_86 0x86u /* encrypted+MACed profile element segment, 2.5.4 */

/* -- eUICC info, profile info, notifications: ES10b/ES10c (sgp22_euicc_info, sgp22_profile_info, sgp22_notification) -- */
#define SGP22_TAG_EUICC_INFO1 0xBF20u /* GetEuiccInfo1Request / EUICCInfo1, 5.7.8 ES10b.GetEUICCInfo */
#define SGP22_TAG_EUICC_INFO2 0xBF22u /* GetEuiccInfo2Request / EUICCInfo2, 5.7.8 ES10b.GetEUICCInfo */
#define SGP22_TAG_LIST_NOTIFICATION 0xBF28u /* ListNotificationRequest/Response, 5.7.9 ES10b.ListNotification */
#define SGP22_TAG_SET_NICKNAME 0xBF29u /* SetNicknameRequest/Response, 5.7.21 ES10c.SetNickname */
#define SGP22_TAG_RETRIEVE_NOTIFICATIONS_LIST 0xBF2Bu /* RetrieveNotificationsListRequest/Response, 5.7.10 ES10b.RetrieveNotificationsList */
#define SGP22_TAG_PROFILE_INFO_LIST 0xBF2Du /* ProfileInfoListRequest/Response, 5.7.15 ES10c.GetProfilesInfo */
#define SGP22_TAG_NOTIFICATION_METADATA 0xBF2Fu /* NotificationMetadata, 5.7.9/5.7.10 */
#define SGP22_TAG_NOTIFICATION_SENT 0xBF30u /* NotificationSentRequest/Response, 5.7.11 ES10b.RemoveNotificationFromList */
#define SGP22_TAG_ENABLE_PROFILE 0xBF31u /* EnableProfileRequest/Response, 5.7.16 ES10c.EnableProfile */
#define SGP22_TAG_DISABLE_PROFILE 0xBF32u /* DisableProfileRequest/Response, 5.7.17 ES10c.DisableProfile */
#define SGP22_TAG_DELETE_PROFILE 0xBF33u /* DeleteProfileRequest/Response, 5.7.18 ES10c.DeleteProfile */
#define SGP22_TAG_EUICC_MEMORY_RESET 0xBF34u /* EuiccMemoryResetRequest/Response, 5.7.19 ES10c.eUICCMemoryReset */
#define SGP22_TAG_EUICC_CONFIGURED_ADDRESSES 0xBF3Cu /* EuiccConfiguredAddressesRequest/Response, 5.7.3 ES10a.GetEuiccConfiguredAddresses */
#define SGP22_TAG_HANDLE_NOTIFICATION 0xBF3Du /* HandleNotification, 5.6.4 ES9+.HandleNotification */
#define SGP22_TAG_GET_EUICC_DATA 0xBF3Eu /* GetEuiccDataRequest/Response (EID), 5.7.20 ES10c.GetEID */
#define SGP22_TAG_SET_DEFAULT_DP_ADDRESS 0xBF3Fu /* SetDefaultDpAddressRequest/Response, 5.7.4 ES10a.SetDefaultDpAddress */
#define SGP22_TAG_GET_RAT 0xBF43u /* GetRatRequest/Response, 5.7.22 ES10b.GetRAT */
#define SGP22_TAG_PROFILE_INFO 0xE3u /* [PRIVATE 3] ProfileInfo, 5.7.15 */
#define SGP22_TAG_ICCID 0x5Au /* [APPLICATION 26] Iccid; also eidValue in GetEuiccDataResponse */
#define SGP22_TAG_ISDP_AID 0x4Fu /* [APPLICATION 15] isdpAid OctetTo16 */
#define SGP22_TAG_TAG_LIST 0x5Cu /* [APPLICATION 28] tagList */
#define SGP22_TAG_IOT_SPECIFIC_TAG_LIST 0x5Du /* [APPLICATION 29] iotSpecificTagList */

#endif
