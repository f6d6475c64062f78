/*
 * devices.c — the device functions of icp_sal_user.h driven from C, one command per line on stdin,
 * one answer per line on stdout, so the Rust harness (capi/tests/c_devices.rs) can change the
 * device set between commands:
 *
 *   start NAME | stop | find | poll | check ID | check_all | fail ID | reset ID
 *       -> "<command> <status>"
 *   exchange N -> "exchange <status> <responses> <errors>"
 *   attached   -> "attached <count> <id>,<id>,..."
 *   error      -> "error <this thread's last error>"
 *   quit       -> exits 0
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpa.h"
#include "icp_sal_user.h"

static void answer(const char *command, CpaStatus status)
{
    printf("%s %d\n", command, (int)status);
}

int main(void)
{
    char line[256];
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (fgets(line, sizeof line, stdin) != NULL) {
        char command[32] = {0};
        char argument[128] = {0};
        if (sscanf(line, "%31s %127s", command, argument) < 1)
            continue;
        unsigned id = (unsigned)strtoul(argument, NULL, 10);
        if (strcmp(command, "start") == 0) {
            answer(command, icp_sal_userStart(argument));
        } else if (strcmp(command, "stop") == 0) {
            answer(command, icp_sal_userStop());
        } else if (strcmp(command, "find") == 0) {
            answer(command, icp_sal_find_new_devices());
        } else if (strcmp(command, "poll") == 0) {
            answer(command, icp_sal_poll_device_events());
        } else if (strcmp(command, "check") == 0) {
            answer(command, icp_sal_check_device((Cpa32U)id));
        } else if (strcmp(command, "check_all") == 0) {
            answer(command, icp_sal_check_all_devices());
        } else if (strcmp(command, "fail") == 0) {
            answer(command, icp_sal_heartbeat_simulate_failure((Cpa32U)id));
        } else if (strcmp(command, "reset") == 0) {
            answer(command, icp_sal_reset_device((Cpa32U)id));
        } else if (strcmp(command, "exchange") == 0) {
            unsigned long long responses = 0, errors = 0;
            CpaStatus status = qsal_exchange(strtoull(argument, NULL, 10), &responses, &errors);
            printf("exchange %d %llu %llu\n", (int)status, responses, errors);
        } else if (strcmp(command, "attached") == 0) {
            Cpa32U ids[16];
            int count = qsal_attached_devices(ids, 16);
            printf("attached %d ", count);
            for (int i = 0; i < count && i < 16; i++)
                printf(i == 0 ? "%u" : ",%u", (unsigned)ids[i]);
            printf("\n");
        } else if (strcmp(command, "section") == 0) {
            char name[64] = {0};
            int length = qsal_section_name(name, sizeof name);
            printf("section %d %s\n", length, name);
        } else if (strcmp(command, "error") == 0) {
            char message[1024];
            qsal_last_error(message, sizeof message);
            printf("error %s\n", message);
        } else if (strcmp(command, "quit") == 0) {
            return 0;
        } else {
            printf("unknown %s\n", command);
        }
    }
    return 0;
}
