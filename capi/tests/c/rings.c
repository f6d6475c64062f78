/*
 * rings.c — the edges of libqsal's raw ring API from C: before a start, bad indexes and NULLs,
 * a full ring answering CPA_STATUS_RETRY, and draining it. Exit 0 when every check holds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpa.h"
#include "icp_sal_user.h"

#include "check.h"

int main(void)
{
    uint8_t message[128] = {0};
    uint8_t responses[32 * 64];
    qsal_ring_info_t info;
    Cpa32U put = 99, got = 99;

    CHECK(qsal_ring_count() == -1, "no rings before a start");
    CHECK(qsal_ring_info(0, &info) == CPA_STATUS_FAIL, "info before a start");
    CHECK(strstr(last(), "holds no slot") != NULL, "%s", last());
    CHECK(qsal_put_burst(0, message, 1, &put) == CPA_STATUS_FAIL && put == 0, "put before start");
    CHECK(qsal_poll(0, responses, 1, &got) == CPA_STATUS_FAIL && got == 0, "poll before start");

    CHECK(icp_sal_userStart("SSL") == CPA_STATUS_SUCCESS, "start: %s", last());
    int rings = qsal_ring_count();
    CHECK(rings == 3, "a Cy and a Dc instance: asym, sym and dc ring pairs (got %d)", rings);
    CHECK(qsal_ring_info((Cpa32U)rings, &info) == CPA_STATUS_INVALID_PARAM, "ring past the end");
    CHECK(strstr(last(), "does not exist") != NULL, "%s", last());
    CHECK(qsal_ring_info(0, NULL) == CPA_STATUS_INVALID_PARAM, "NULL info");
    for (int ring = 0; ring < rings; ring++) {
        CHECK(qsal_ring_info((Cpa32U)ring, &info) == CPA_STATUS_SUCCESS, "info: %s", last());
        CHECK(info.responseBytes == 32, "32-byte responses");
        CHECK((strcmp(info.service, "asym") == 0) == (info.requestBytes == 64),
              "asym rings take 64-byte requests, the others 128 (%s: %u)", info.service,
              info.requestBytes);
        CHECK(info.capacity > 0 && info.txRing != info.rxRing, "rings and capacity");
    }
    CHECK(qsal_ring_info(0, &info) == CPA_STATUS_SUCCESS, "info");
    CHECK(strcmp(info.family, "Cy") == 0 && strcmp(info.service, "asym") == 0, "Cy0 asym first");

    /* Fill ring 0 without polling: the emulated engine answers, but the response ring and the
     * request ring bound what is in flight; eventually a put answers RETRY. */
    uint8_t *burst = calloc(info.capacity + 64, info.requestBytes);
    CHECK(burst != NULL, "memory");
    Cpa32U total = 0;
    CpaStatus status = CPA_STATUS_SUCCESS;
    for (int attempt = 0; attempt < 100 && status == CPA_STATUS_SUCCESS; attempt++) {
        status = qsal_put_burst(0, burst, info.capacity + 64, &put);
        total += put;
    }
    CHECK(status == CPA_STATUS_RETRY, "a full ring answers RETRY (%d)", status);
    CHECK(put == 0 && total == info.capacity, "exactly capacity in flight: %u of %u", total,
          info.capacity);
    CHECK(strstr(last(), "full") != NULL, "%s", last());
    Cpa32U drained = 0;
    for (int spin = 0; spin < 100000000 && drained < total; spin++) {
        CHECK(qsal_poll(0, responses, 64, &got) == CPA_STATUS_SUCCESS, "poll: %s", last());
        drained += got;
    }
    CHECK(drained == total, "every request answered: %u of %u", drained, total);
    /* The zero-filled requests are not echo requests: the firmware says so in each response. */
    CHECK(qsal_put_burst(0, burst, 1, &put) == CPA_STATUS_SUCCESS && put == 1, "room again");
    for (got = 0; got == 0;)
        CHECK(qsal_poll(0, responses, 1, &got) == CPA_STATUS_SUCCESS, "poll");
    CHECK(responses[0] == 0x01 && responses[3] == 0x51, "status 0x51000001: malformed request");
    CHECK(qsal_put_burst(0, NULL, 1, &put) == CPA_STATUS_INVALID_PARAM, "NULL requests");
    CHECK(qsal_poll(0, NULL, 1, &got) == CPA_STATUS_INVALID_PARAM, "NULL responses");
    CHECK(qsal_put_burst(0, NULL, 0, &put) == CPA_STATUS_SUCCESS && put == 0, "empty burst");
    free(burst);
    CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "stop");
    CHECK(qsal_ring_count() == -1, "no rings after the stop");
    printf("rings ok\n");
    return 0;
}
