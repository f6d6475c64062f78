/*
 * intel_api.c — written the way a program against Intel's own cpa.h and icp_sal_user.h is: it
 * takes the address of every function those headers declare into a pointer of the type Intel
 * documents (a mismatch is a compile error under -Werror), uses the base types and constants, and
 * calls the functions qsal answers without a device set. Exit 0 when every check holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpa.h"
#include "cpa_types.h"
#include "icp_sal.h"
#include "icp_sal_user.h"

#include "check.h"

/* The signatures of Intel's documented API, written out independently of qsal's headers. */
typedef CpaStatus (*start_fn)(const char *);
typedef CpaStatus (*start_multi_fn)(const char *, CpaBoolean);
typedef CpaStatus (*void_fn)(void);
typedef CpaStatus (*accel_fn)(Cpa32U);
typedef CpaBoolean (*available_fn)(void);
typedef CpaStatus (*send_vf_fn)(Cpa32U, Cpa32U, Cpa32U);
typedef CpaStatus (*send_pf_fn)(Cpa32U, Cpa32U);
typedef CpaStatus (*get_vf_fn)(Cpa32U, Cpa32U, Cpa32U *, Cpa32U *);
typedef CpaStatus (*get_pf_fn)(Cpa32U, Cpa32U *, Cpa32U *);
typedef CpaStatus (*comms_fn)(CpaBoolean *);
typedef Cpa64U (*dc_error_fn)(Cpa8S);

_Static_assert(sizeof(Cpa8U) == 1 && sizeof(Cpa8S) == 1, "8-bit types");
_Static_assert(sizeof(Cpa16U) == 2 && sizeof(Cpa16S) == 2, "16-bit types");
_Static_assert(sizeof(Cpa32U) == 4 && sizeof(Cpa32S) == 4, "32-bit types");
_Static_assert(sizeof(Cpa64U) == 8 && sizeof(Cpa64S) == 8, "64-bit types");
_Static_assert(sizeof(CpaBoolean) == 4, "CpaBoolean is an enum of int size");
_Static_assert(CPA_TRUE == 1 && CPA_FALSE == 0, "CPA_TRUE / CPA_FALSE");
_Static_assert(sizeof(CpaInstanceHandle) == sizeof(void *), "CpaInstanceHandle is a pointer");
_Static_assert(sizeof(CpaPhysicalAddr) == 8, "CpaPhysicalAddr");
_Static_assert(CPA_STATUS_MAX_STR_LENGTH_IN_BYTES == 255, "status string length");

static const start_fn start = icp_sal_userStart;
static const start_multi_fn start_multi = icp_sal_userStartMultiProcess;
static const void_fn stop = icp_sal_userStop;
static const available_fn available = icp_sal_userIsQatAvailable;
static const void_fn find_new = icp_sal_find_new_devices;
static const void_fn poll_events = icp_sal_poll_device_events;
static const accel_fn check_device = icp_sal_check_device;
static const void_fn check_all = icp_sal_check_all_devices;
static const accel_fn simulate_failure = icp_sal_heartbeat_simulate_failure;
static const accel_fn reset_device = icp_sal_reset_device;
static const send_vf_fn send_to_vf = icp_sal_userSendMsgToVf;
static const send_pf_fn send_to_pf = icp_sal_userSendMsgToPf;
static const get_vf_fn get_from_vf = icp_sal_userGetMsgFromVf;
static const get_pf_fn get_from_pf = icp_sal_userGetMsgFromPf;
static const comms_fn comms_status = icp_sal_userGetPfVfcommsStatus;
static const dc_error_fn dc_error = icp_sal_get_dc_error;

static void expect(CpaStatus got, CpaStatus want, const char *call, const char *needle)
{
    CHECK(got == want, "%s returned %d, expected %d", call, (int)got, (int)want);
    if (needle != NULL)
        CHECK(strstr(last(), needle) != NULL, "%s: last error `%s` does not mention `%s`", call,
              last(), needle);
}

int main(void)
{
    const char *strings[] = {CPA_STATUS_STR_SUCCESS,       CPA_STATUS_STR_FAIL,
                             CPA_STATUS_STR_RETRY,         CPA_STATUS_STR_RESOURCE,
                             CPA_STATUS_STR_INVALID_PARAM, CPA_STATUS_STR_FATAL,
                             CPA_STATUS_STR_UNSUPPORTED};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        CHECK(strlen(strings[i]) < CPA_STATUS_MAX_STR_LENGTH_IN_BYTES, "status string %zu", i);
    CpaInstanceHandle single = CPA_INSTANCE_HANDLE_SINGLE;
    CHECK(single == NULL, "CPA_INSTANCE_HANDLE_SINGLE");
    Cpa8U bytes[4] = {1, 2, 3, 4};
    CpaFlatBuffer flat = {.dataLenInBytes = sizeof bytes, .pData = bytes};
    CpaBufferList list = {.numBuffers = 1, .pBuffers = &flat};
    CHECK(list.pBuffers[0].pData[3] == 4, "buffer list");

    /* PF/VF messaging does not exist in qsal: UNSUPPORTED, a reason, outputs cleared. */
    Cpa32U message = 0xdead, counter = 0xbeef;
    expect(send_to_vf(0, 1, 7), CPA_STATUS_UNSUPPORTED, "icp_sal_userSendMsgToVf", "PF↔VF");
    expect(send_to_pf(0, 7), CPA_STATUS_UNSUPPORTED, "icp_sal_userSendMsgToPf", "PF↔VF");
    expect(get_from_vf(0, 1, &message, &counter), CPA_STATUS_UNSUPPORTED,
           "icp_sal_userGetMsgFromVf", "icp_sal_userGetMsgFromVf");
    CHECK(message == 0 && counter == 0, "outputs cleared: %u %u", message, counter);
    message = counter = 1;
    expect(get_from_pf(0, &message, &counter), CPA_STATUS_UNSUPPORTED, "icp_sal_userGetMsgFromPf",
           "mailbox");
    CHECK(message == 0 && counter == 0, "outputs cleared: %u %u", message, counter);
    expect(get_from_pf(0, NULL, NULL), CPA_STATUS_UNSUPPORTED, "GetMsgFromPf(NULL)", NULL);
    CpaBoolean unread = CPA_TRUE;
    expect(comms_status(&unread), CPA_STATUS_UNSUPPORTED, "icp_sal_userGetPfVfcommsStatus",
           "mailbox");
    CHECK(unread == CPA_FALSE, "no unread message");

    /* No compression service: no failed request, and the reason is available. */
    CHECK(dc_error(-2) == 0, "dc error count");
    CHECK(strstr(last(), "no compression service") != NULL, "dc error reason: %s", last());

    /* Without a device set (the harness points QSAL_RUNTIME_DIR at an empty directory). */
    CHECK(available() == CPA_FALSE, "no device is available");
    expect(find_new(), CPA_STATUS_FAIL, "icp_sal_find_new_devices", "has not started");
    expect(poll_events(), CPA_STATUS_FAIL, "icp_sal_poll_device_events", "has not started");
    expect(check_all(), CPA_STATUS_FAIL, "icp_sal_check_all_devices", "qsal up");
    expect(check_device(0), CPA_STATUS_FAIL, "icp_sal_check_device", "qsal up");
    expect(simulate_failure(0), CPA_STATUS_FAIL, "icp_sal_heartbeat_simulate_failure", "qsal up");
    expect(reset_device(0), CPA_STATUS_FAIL, "icp_sal_reset_device", "qsal up");
    expect(start("SSL"), CPA_STATUS_FAIL, "icp_sal_userStart", "qsal up");
    expect(start_multi("SSL", CPA_TRUE), CPA_STATUS_FAIL, "icp_sal_userStartMultiProcess",
           "qsal up");
    expect(stop(), CPA_STATUS_FAIL, "icp_sal_userStop", "start");
    printf("intel api ok\n");
    return 0;
}
