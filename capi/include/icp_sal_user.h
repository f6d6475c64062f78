/*
 * icp_sal_user.h — start and stop the QuickAssist user-space layer (libqsal).
 *
 * Drop-in for the vendor header of the same name: same functions, same signatures, same status
 * values. Every failure returns CPA_STATUS_FAIL as the vendor library does; the reason is available
 * through qsal_last_error() and is also printed on stderr (QSAL_LOG=off|error|info|debug, default
 * error). The runtime directory (written by `qsal up`) is $QSAL_RUNTIME_DIR, else /run/qsal for root,
 * else $XDG_RUNTIME_DIR/qsal.
 */
#ifndef QSAL_ICP_SAL_USER_H
#define QSAL_ICP_SAL_USER_H

#include <stddef.h>

#include "cpa.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Starts this process's use of QAT for the user section pSectionName (e.g. "SSL"): on the first call
 * takes the lowest free slot (a derived section such as "SSL_INT_0" or "SSL_DEV0_INT_0") and sets up
 * its instances' rings on every device that holds it. Later calls only count (at most 64) and succeed
 * with any well-formed name, as the vendor library does (a NULL, empty, over-long or path-like name
 * always fails). A forked child has not started: it must call this itself, and gets a slot of its
 * own. Thread-safe. On failure nothing is kept.
 */
CpaStatus icp_sal_userStart(const char *pSectionName);

/**
 * Same as icp_sal_userStart. limitDevAccess is ignored, as in the vendor library: LimitDevAccess is
 * read from the configuration file.
 */
CpaStatus icp_sal_userStartMultiProcess(const char *pSectionName, CpaBoolean limitDevAccess);

/**
 * Undoes one icp_sal_userStart; the last one tears the rings down and frees the slot. Fails
 * (CPA_STATUS_FAIL) if this process never started — a forked child included.
 */
CpaStatus icp_sal_userStop(void);

/** CPA_TRUE when at least one QAT device is up. Takes no slot. */
CpaBoolean icp_sal_userIsQatAvailable(void);

/* ---- qsal extensions ---------------------------------------------------------------------- */

/** Set when the qsal extensions below are available. */
#define QSAL_EXTENSIONS 1

/**
 * Copies this thread's last failure message into buf (NUL-terminated, truncated to len - 1 bytes).
 * Returns the message's full length, 0 if there is none. buf may be NULL to ask for the length.
 */
int qsal_last_error(char *buf, size_t len);

/**
 * Copies the derived section this process holds (e.g. "SSL_DEV0_INT_3") into buf (NUL-terminated,
 * truncated to len - 1 bytes). Returns its full length, -1 if this process has not started.
 */
int qsal_section_name(char *buf, size_t len);

/**
 * Like icp_sal_userStart, but while every slot of the section is taken it waits — sleeping with
 * back-off from 10 to 100 ms, never spinning — up to timeout_ms for one to be freed. Meant for reloads, where a new
 * generation of workers starts while the old one drains. CPA_STATUS_INVALID_PARAM for a NULL name.
 */
CpaStatus qsal_start_wait(const char *pSectionName, unsigned int timeout_ms);

/**
 * Sends `requests` test requests through every instance ring this process holds (round-robin),
 * waits for every response and verifies it (right request, right checksum, intact body); stores how
 * many responses came back and how many were wrong where the pointers are non-NULL. CPA_STATUS_SUCCESS
 * only if all came back correct. On emulated devices the engine is qsal's software firmware; this is
 * how examples and health checks exercise the data path without a crypto API.
 */
CpaStatus qsal_exchange(unsigned long long requests, unsigned long long *responses,
                        unsigned long long *errors);

#ifdef __cplusplus
}
#endif

#endif /* QSAL_ICP_SAL_USER_H */
