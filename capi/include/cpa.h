/*
 * cpa.h — the base definitions of Intel's QuickAssist API (CPA) that the start/stop layer uses, as
 * libqsal provides them: the base types (cpa_types.h), instance handles, status codes and their
 * descriptive strings. Names and values follow the vendor's documented API, so code written against
 * the vendor's headers compiles unchanged against these.
 */
#ifndef CPA_H
#define CPA_H

#ifdef __cplusplus
extern "C" {
#endif

#include "cpa_types.h"

/** An opaque handle on an acceleration instance. */
typedef void *CpaInstanceHandle;

/** The handle that names the only instance of an implementation that has one. */
#define CPA_INSTANCE_HANDLE_SINGLE ((CpaInstanceHandle)0)

/** Status returned by every CPA and SAL function. */
typedef Cpa32S CpaStatus;

#define CPA_STATUS_SUCCESS (0)        /**< Success. */
#define CPA_STATUS_FAIL (-1)          /**< Failure (every start/stop failure; see qsal_last_error). */
#define CPA_STATUS_RETRY (-2)         /**< Resource temporarily unavailable: try again. */
#define CPA_STATUS_RESOURCE (-3)      /**< A resource could not be obtained. */
#define CPA_STATUS_INVALID_PARAM (-4) /**< An invalid parameter was passed. */
#define CPA_STATUS_FATAL (-5)         /**< A fatal error occurred. */
#define CPA_STATUS_UNSUPPORTED (-6)   /**< The function is not supported. */
#define CPA_STATUS_RESTARTING (-7)    /**< The device is restarting. */

/** The longest status string, in bytes. */
#define CPA_STATUS_MAX_STR_LENGTH_IN_BYTES (255)

/** Descriptive strings for the status codes. */
#define CPA_STATUS_STR_SUCCESS ("Operation was successful:")
#define CPA_STATUS_STR_FAIL ("General or unspecified error occurred:")
#define CPA_STATUS_STR_RETRY ("Recoverable error occurred:")
#define CPA_STATUS_STR_RESOURCE ("Required resource unavailable:")
#define CPA_STATUS_STR_INVALID_PARAM ("Invalid parameter supplied:")
#define CPA_STATUS_STR_FATAL ("Fatal error has occurred:")
#define CPA_STATUS_STR_UNSUPPORTED ("Operation not supported:")

#ifdef __cplusplus
}
#endif

#endif /* CPA_H */
