/*
 * check.h — what the C test programs share: CHECK, which ends the program with exit 1 and the
 * failed condition on stderr, and last(), this thread's last libqsal error.
 */
#ifndef QSAL_TESTS_CHECK_H
#define QSAL_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "icp_sal_user.h"

#define CHECK(cond, ...)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "CHECK FAILED %s:%d: %s: ", __FILE__, __LINE__, #cond);           \
            fprintf(stderr, __VA_ARGS__);                                                     \
            fputc('\n', stderr);                                                              \
            exit(1);                                                                          \
        }                                                                                     \
    } while (0)

/* This thread's last libqsal error (a per-thread buffer, overwritten by the next call). */
static inline const char *last(void)
{
    static _Thread_local char buf[1024];
    buf[0] = 0;
    qsal_last_error(buf, sizeof buf);
    return buf;
}

#endif
