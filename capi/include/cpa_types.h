/*
 * cpa_types.h — the base types of Intel's QuickAssist API (CPA), as libqsal provides them.
 *
 * Sized integers, the CPA boolean, physical addresses and the flat and scatter-gather buffer
 * descriptors, with the definitions of the vendor's documented API, so that code written against
 * the vendor's headers compiles unchanged against qsal's and the two can be mixed in one program.
 */
#ifndef CPA_TYPES_H
#define CPA_TYPES_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stdint.h>

/** Unsigned and signed integers of 8, 16, 32 and 64 bits. */
typedef uint8_t Cpa8U;
typedef int8_t Cpa8S;
typedef uint16_t Cpa16U;
typedef int16_t Cpa16S;
typedef uint32_t Cpa32U;
typedef int32_t Cpa32S;
typedef uint64_t Cpa64U;
typedef int64_t Cpa64S;

/** A physical (bus) address. */
typedef Cpa64U CpaPhysicalAddr;

/** Translates a virtual address into the physical address the device uses. */
typedef CpaPhysicalAddr (*CpaVirtualToPhysical)(void *pVirtualAddr);

/** The CPA boolean: an enumeration whose false and true are C's own truth values. */
typedef enum _CpaBoolean {
    CPA_FALSE = (0 == 1), /**< False (0). */
    CPA_TRUE = (1 == 1)   /**< True (1). */
} CpaBoolean;

/** One contiguous buffer. */
typedef struct _CpaFlatBuffer {
    Cpa32U dataLenInBytes; /**< Length of the data in bytes. */
    Cpa8U *pData;          /**< The data. */
} CpaFlatBuffer;

/** A scatter-gather list of flat buffers. */
typedef struct _CpaBufferList {
    Cpa32U numBuffers;       /**< Number of buffers in pBuffers. */
    CpaFlatBuffer *pBuffers; /**< The buffers. */
    void *pUserData;         /**< Opaque data of the caller. */
    void *pPrivateMetaData;  /**< Meta data the implementation needs. */
} CpaBufferList;

#ifdef __cplusplus
}
#endif

#endif /* CPA_TYPES_H */
