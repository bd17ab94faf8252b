/* airwrite core: the tags of SGP.32 SGP32Definitions (eIM, IPA, ESipa).
 *
 * One table for every message-level tag airwrite encodes or decodes, each
 * with its ASN.1 type and the clause that defines it. Tags are the wire bytes
 * as the spec writes them (see der.h).
 */
#ifndef AIRWRITE_CORE_SGP32_TAGS_H
#define AIRWRITE_CORE_SGP32_TAGS_H

/* -- sgp32 messages (sgp32_package, sgp32_ipa, sgp32_trigger, sgp32_esipa) -- */
/* eUICC Packages and eIM configuration: ES10b (SGP.32 5.9) */
#define SGP32_TAG_EUICC_PACKAGE 0xBF51u /* EuiccPackageRequest / EuiccPackageResult, 2.11.1 / 5.9.1 LoadEuiccPackage */
#define SGP32_TAG_IPA_EUICC_DATA 0xBF52u /* IpaEuiccDataRequest / IpaEuiccDataResponse, 2.11.2 / 5.14 */
#define SGP32_TAG_EIM_ACKNOWLEDGEMENTS 0xBF53u /* EimAcknowledgements, 6.3.2.7 ProvideEimPackageResult */
#define SGP32_TAG_PROFILE_DOWNLOAD_TRIGGER 0xBF54u /* ProfileDownloadTriggerRequest / Result, 2.11.3 */
#define SGP32_TAG_GET_EIM_CONFIGURATION_DATA 0xBF55u /* GetEimConfigurationDataRequest/Response, 5.9.18 */
#define SGP32_TAG_GET_CERTS 0xBF56u /* GetCertsRequest/Response, 5.9.17 (not coded here) */
#define SGP32_TAG_ADD_INITIAL_EIM 0xBF57u /* AddInitialEimRequest/Response, 5.9.16 */
#define SGP32_TAG_SET_DEFAULT_DP_ADDRESS 0xBF65u /* SetDefaultDpAddressRequest/Response (PSMO), 5.9.1 */
#define SGP32_TAG_EIM_SIGNATURE 0x5F37u /* eimSignature / euiccSignEPR / euiccSignEPE [APPLICATION 55], 2.11.1 */
#define SGP32_TAG_EID 0x5Au /* eidValue [APPLICATION 26] Octet16 */
#define SGP32_TAG_ICCID 0x5Au /* iccid [APPLICATION 26] Iccid inside PSMOs */
#define SGP32_TAG_TAG_LIST 0x5Cu /* tagList [APPLICATION 28], IpaEuiccDataRequest */

/* -- euicc immediate enable: ES10b functions of the IPA (SGP.32 5.9) -- */
#define SGP32_TAG_PROFILE_ROLLBACK 0xBF58u /* ProfileRollbackRequest/Response, ES10b.ProfileRollback */
#define SGP32_TAG_CONFIGURE_IMMEDIATE_PROFILE_ENABLING 0xBF59u /* ConfigureImmediateProfileEnablingRequest/Response, ES10b.ConfigureImmediateProfileEnabling */
#define SGP32_TAG_IMMEDIATE_ENABLE 0xBF5Au /* ImmediateEnableRequest/Response, ES10b.ImmediateEnable */
#define SGP32_TAG_EUICC_MEMORY_RESET 0xBF64u /* EuiccMemoryResetRequest/Response, 5.9.5 (SGP.22's BF34 form is kept too) */

/* ESipa messages, IPA <-> eIM (SGP.32 6.3, EsipaMessageFromIpaToEim/FromEimToIpa) */
#define SGP32_TAG_INITIATE_AUTHENTICATION_ESIPA 0xBF39u /* InitiateAuthenticationRequest/ResponseEsipa, 6.3.2.1 */
#define SGP32_TAG_GET_BOUND_PROFILE_PACKAGE_ESIPA 0xBF3Au /* GetBoundProfilePackageRequest/ResponseEsipa, 6.3.2.3 */
#define SGP32_TAG_AUTHENTICATE_CLIENT_ESIPA 0xBF3Bu /* AuthenticateClientRequest/ResponseEsipa, 6.3.2.2 */
#define SGP32_TAG_HANDLE_NOTIFICATION_ESIPA 0xBF3Du /* HandleNotificationEsipa, 6.3.2.4 */
#define SGP32_TAG_CANCEL_SESSION_ESIPA 0xBF41u /* CancelSessionRequest/ResponseEsipa, 6.3.2.5 */
#define SGP32_TAG_TRANSFER_EIM_PACKAGE 0xBF4Eu /* TransferEimPackageRequest/Response, 6.3.2.8 */
#define SGP32_TAG_GET_EIM_PACKAGE 0xBF4Fu /* GetEimPackageRequest/Response, 6.3.2.6 */
#define SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT 0xBF50u /* ProvideEimPackageResult/Response, 6.3.2.7 */
#define SGP32_TAG_EIM_PACKAGE_RECEIVED_WITH_CID 0xBF60u /* EimPackageReceivedWithCid, 6.3.2.8 */
#define SGP32_TAG_EIM_PACKAGE_ERROR_WITH_CID 0xBF61u /* EimPackageErrorWithCid, 6.3.2.8 */

/* SGP.22 RSPDefinitions types carried as raw TLVs inside SGP.32 messages */
#define SGP32_TAG_EUICC_INFO1 0xBF20u /* EUICCInfo1, SGP.22 5.7.8 */
#define SGP32_TAG_PREPARE_DOWNLOAD_RESPONSE 0xBF21u /* PrepareDownloadResponse, SGP.22 5.7.5 */
#define SGP32_TAG_EUICC_INFO2 0xBF22u /* EUICCInfo2, SGP.22 5.7.8 / SGP.32 5.9.2 */
#define SGP32_TAG_STORE_METADATA_REQUEST 0xBF25u /* StoreMetadataRequest (profileMetaData), SGP.22 5.5.3 */
#define SGP32_TAG_PROFILE_INFO_LIST 0xBF2Du /* ProfileInfoListRequest/Response, SGP.22 5.7.15 */
#define SGP32_TAG_BOUND_PROFILE_PACKAGE 0xBF36u /* BoundProfilePackage, SGP.22 2.5.4 */
#define SGP32_TAG_PROFILE_INSTALLATION_RESULT 0xBF37u /* ProfileInstallationResult, SGP.22 5.7.6 */
#define SGP32_TAG_AUTHENTICATE_SERVER_RESPONSE 0xBF38u /* AuthenticateServerResponse, SGP.22 5.7.13 */

#endif
