/*
 * wm_heap.h - heaps: the process heap, private heaps, blocks, and what a heap walk shows.
 *
 * A heap is a heap manager's bookkeeping on top of virtual memory: it reserves and commits
 * pages with VirtualAlloc and carves them into blocks, each with a small header and rounded
 * up to the heap's alignment. Every process has a default heap (GetProcessHeap); a program
 * may create private heaps (HeapCreate) and destroy each with one call (HeapDestroy).
 *
 * The wrappers follow the library's error model (wm_error.h). Three heap functions are
 * documented as not setting the last error on failure (HeapAlloc and HeapSize on Microsoft
 * Learn), so the wrappers give a fixed code instead of reading it:
 *   HeapAlloc, HeapReAlloc returning NULL  -> ERROR_NOT_ENOUGH_MEMORY
 *   HeapSize returning (SIZE_T)-1          -> ERROR_INVALID_BLOCK
 * (Windows does set ERROR_NOT_ENOUGH_MEMORY on a failed HeapAlloc, as Wine's test_HeapCreate
 * shows; a program should rely on neither, and test the pointer.)
 *
 * Flags each wrapper accepts (anything else is ERROR_INVALID_PARAMETER):
 *   HEAP_NO_SERIALIZE          no lock around this call: only for a heap one thread uses
 *   HEAP_GENERATE_EXCEPTIONS   on failure raise STATUS_NO_MEMORY instead of returning NULL
 *   HEAP_ZERO_MEMORY           the new bytes are zero (alloc, and the grown tail on realloc)
 *   HEAP_REALLOC_IN_PLACE_ONLY realloc fails rather than move the block
 *   HEAP_CREATE_ENABLE_EXECUTE (create only) blocks may hold code
 *
 * HeapSummary is deliberately not wrapped: Wine exports it as a stub that raises an
 * exception, and a heap walk (wm_heap_walk) gives the same totals everywhere.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_HEAP_H
#define WM_HEAP_H

#include <stddef.h>
#include <stdint.h>
#include <windows.h>

/* What HeapQueryInformation(HeapCompatibilityInformation) reports: the heap's front end. */
#define WM_HEAP_STANDARD 0  /* the back end alone: free lists and block headers */
#define WM_HEAP_LOOKASIDE 1 /* look-aside lists (Windows XP and Server 2003 only) */
#define WM_HEAP_LOW_FRAG 2  /* the Low-Fragmentation Heap: size buckets for small blocks */

/* Most heaps wm_heap_list records; a process with more reports them in total only. */
#define WM_HEAP_LIST_MAX 64

/* wm_heap_list_index's answer for a heap that is not in the list. */
#define WM_HEAP_NOT_FOUND ((DWORD)-1)

/* One entry of a heap walk, as PROCESS_HEAP_ENTRY describes it. */
typedef struct wm_heap_entry_s
{
    uintptr_t address;   /* lpData: the block's first usable byte, or the region's start */
    SIZE_T size;         /* cbData: usable bytes of a block; bytes of a region or range */
    SIZE_T overhead;     /* cbOverhead: the heap's own bytes around a block (header, slack) */
    WORD flags;          /* wFlags: PROCESS_HEAP_REGION, _UNCOMMITTED_RANGE, _ENTRY_BUSY, or 0 */
    SIZE_T region_index; /* iRegionIndex: which region the entry lies in */
    SIZE_T committed;    /* for a region: Region.dwCommittedSize, else 0 */
    SIZE_T uncommitted;  /* for a region: Region.dwUnCommittedSize, else 0 */
} wm_heap_entry_t;

/* Totals over one heap walk. Busy and free blocks are the heap's own accounting. */
typedef struct wm_heap_summary_s
{
    SIZE_T entries;              /* everything HeapWalk returned */
    SIZE_T regions;              /* PROCESS_HEAP_REGION entries: reserved runs of pages */
    ULONGLONG committed_bytes;   /* sum of the regions' committed bytes */
    ULONGLONG uncommitted_bytes; /* sum of the regions' reserved, uncommitted bytes */
    SIZE_T uncommitted_ranges;   /* PROCESS_HEAP_UNCOMMITTED_RANGE entries */
    SIZE_T busy_blocks;          /* allocated blocks (PROCESS_HEAP_ENTRY_BUSY) */
    ULONGLONG busy_bytes;        /* their usable bytes (cbData) */
    ULONGLONG busy_overhead;     /* their overhead bytes (cbOverhead) */
    SIZE_T free_blocks;          /* free blocks (no flag set) */
    ULONGLONG free_bytes;        /* their bytes */
    SIZE_T largest_free;         /* the biggest free block */
} wm_heap_summary_t;

/* Visitor for wm_heap_walk: return 0 to go on, anything else to stop early. It runs with the
 * heap locked: it must not allocate from or free to that heap. */
typedef int (*wm_heap_entry_fn)(void *context, const wm_heap_entry_t *entry);

/* The process's heaps, as GetProcessHeaps lists them. */
typedef struct wm_heap_list_s
{
    HANDLE heaps[WM_HEAP_LIST_MAX]; /* the handles, in the order the system gave them */
    DWORD count;                    /* handles stored in heaps */
    DWORD total;                    /* heaps the process has (more than count if it overflowed) */
    DWORD default_index;            /* index of GetProcessHeap() in heaps, or WM_HEAP_NOT_FOUND */
} wm_heap_list_t;

/* One busy block recorded by a snapshot. */
typedef struct wm_heap_block_s
{
    uintptr_t address; /* the block's first usable byte */
    SIZE_T size;       /* its usable bytes */
} wm_heap_block_t;

/* The busy blocks of one heap at one moment, sorted by address. The storage comes from
 * VirtualAlloc, not from any heap, so taking a snapshot never changes the heap it records. */
typedef struct wm_heap_snapshot_s
{
    wm_heap_block_t *blocks; /* count blocks; NULL when count is 0 */
    SIZE_T count;            /* blocks recorded */
    SIZE_T capacity;         /* blocks the storage can hold */
} wm_heap_snapshot_t;

/* Stores the process's default heap in *heap. GetProcessHeap cannot fail; this fails only
 * with ERROR_INVALID_PARAMETER for a NULL heap. Never destroy the default heap. */
DWORD wm_heap_process(HANDLE *heap);

/*
 * Creates a private heap (HeapCreate): initial_size bytes committed at once (rounded up to
 * pages; 0 commits one page) and, when maximum_size is not 0, a fixed-size heap that
 * reserves maximum_size (rounded up to pages) and can never grow beyond it. maximum_size 0
 * makes a growable heap. options: 0 or HEAP_NO_SERIALIZE, HEAP_GENERATE_EXCEPTIONS,
 * HEAP_CREATE_ENABLE_EXECUTE. initial_size larger than a non-zero maximum_size is
 * ERROR_INVALID_PARAMETER. On failure *heap is NULL. Destroy it with wm_heap_destroy.
 */
DWORD wm_heap_create(DWORD options, SIZE_T initial_size, SIZE_T maximum_size, HANDLE *heap);

/* Destroys a private heap and every block in it at once (HeapDestroy). The process heap is
 * refused with ERROR_INVALID_PARAMETER. */
DWORD wm_heap_destroy(HANDLE heap);

/*
 * Allocates size bytes (at least 1) from heap into *block (HeapAlloc). flags: 0 or
 * HEAP_ZERO_MEMORY, HEAP_NO_SERIALIZE, HEAP_GENERATE_EXCEPTIONS. On failure *block is NULL
 * and the error is ERROR_NOT_ENOUGH_MEMORY; with HEAP_GENERATE_EXCEPTIONS a failure raises
 * STATUS_NO_MEMORY instead and this function does not return. Free with wm_heap_free.
 */
DWORD wm_heap_alloc(HANDLE heap, DWORD flags, SIZE_T size, void **block);

/*
 * Resizes block to size bytes (at least 1) (HeapReAlloc). flags: 0 or HEAP_ZERO_MEMORY,
 * HEAP_NO_SERIALIZE, HEAP_GENERATE_EXCEPTIONS, HEAP_REALLOC_IN_PLACE_ONLY. *resized is the
 * block's address afterwards: on success the (possibly new) address, and block is no longer
 * valid if it moved; on failure block itself, unchanged and still the caller's, with
 * ERROR_NOT_ENOUGH_MEMORY. So `wm_heap_realloc(heap, 0, p, n, &p)` never loses the block.
 */
DWORD wm_heap_realloc(HANDLE heap, DWORD flags, void *block, SIZE_T size, void **resized);

/* Frees block (HeapFree). flags: 0 or HEAP_NO_SERIALIZE. A NULL block is
 * ERROR_INVALID_PARAMETER: HeapFree's behaviour for NULL is undefined. */
DWORD wm_heap_free(HANDLE heap, DWORD flags, void *block);

/* Stores block's size in *size (HeapSize): the size that was asked for, not the bytes the
 * heap reserved for it. A pointer the heap does not know gives ERROR_INVALID_BLOCK. */
DWORD wm_heap_size(HANDLE heap, DWORD flags, const void *block, SIZE_T *size);

/*
 * Checks heap's control structures (HeapValidate): the whole heap when block is NULL, else
 * only that block. *valid is 1 or 0. An invalid heap is a result, not an error: the function
 * returns ERROR_SUCCESS either way. Detection is best effort: a small overrun can go unseen.
 */
DWORD wm_heap_validate(HANDLE heap, DWORD flags, const void *block, int *valid);

/* Stores the size of the largest committed free block in *largest_free (HeapCompact), which
 * may also coalesce free blocks. 0 with ERROR_SUCCESS means no free space at all. */
DWORD wm_heap_compact(HANDLE heap, DWORD flags, SIZE_T *largest_free);

/* Takes and gives back the heap's lock (HeapLock, HeapUnlock): other threads that use the
 * heap wait meanwhile. Not for heaps created with HEAP_NO_SERIALIZE. */
DWORD wm_heap_lock(HANDLE heap);
DWORD wm_heap_unlock(HANDLE heap);

/*
 * Walks heap with HeapWalk, holding its lock throughout (HeapWalk's rule for a heap other
 * threads may use), totals the entries into summary and, if visit is not NULL, passes each
 * entry to it. Not for heaps created with HEAP_NO_SERIALIZE (they cannot be locked). The
 * walk ends at ERROR_NO_MORE_ITEMS; any other failure is returned, and the lock is always
 * given back.
 */
DWORD wm_heap_walk(HANDLE heap, wm_heap_summary_t *summary, wm_heap_entry_fn visit, void *context);

/* Lists the process's heaps (GetProcessHeaps) into list and marks the default one. */
DWORD wm_heap_list(wm_heap_list_t *list);

/* The index of heap in list, or WM_HEAP_NOT_FOUND. */
DWORD wm_heap_list_index(const wm_heap_list_t *list, HANDLE heap);

/* Stores heap's front end in *front_end: WM_HEAP_STANDARD, WM_HEAP_LOOKASIDE or
 * WM_HEAP_LOW_FRAG (HeapQueryInformation, HeapCompatibilityInformation). */
DWORD wm_heap_front_end(HANDLE heap, ULONG *front_end);

/* Asks for the Low-Fragmentation Heap on heap (HeapSetInformation, value 2). Since Windows
 * Vista the system enables it by itself when it helps; it cannot be enabled on a
 * HEAP_NO_SERIALIZE or fixed-size heap, and cannot be turned off. */
DWORD wm_heap_enable_low_frag(HANDLE heap);

/* Makes the process end when any of its heaps detects corruption (HeapSetInformation,
 * HeapEnableTerminationOnCorruption, for the whole process). It cannot be undone. */
DWORD wm_heap_terminate_on_corruption(void);

/*
 * Records heap's busy blocks into snapshot, overwriting it (free an earlier snapshot held there
 * with wm_heap_snapshot_free first, or its storage leaks). The heap stays locked while it is
 * recorded, so the two walks it makes (one to count, one to record) see the same heap. On
 * failure the snapshot is empty and holds no storage. Free it with wm_heap_snapshot_free.
 */
DWORD wm_heap_snapshot_take(HANDLE heap, wm_heap_snapshot_t *snapshot);

/*
 * Stores in appeared the blocks of after that are not in before (same address and size):
 * the blocks allocated between the two snapshots and still allocated. A block freed and a
 * new one of the same size at the same address look unchanged. appeared is overwritten, like
 * a snapshot, and sorted by address; free it with wm_heap_snapshot_free.
 */
DWORD wm_heap_snapshot_diff(const wm_heap_snapshot_t *before, const wm_heap_snapshot_t *after,
                            wm_heap_snapshot_t *appeared);

/* Gives the snapshot's storage back and zeroes it. A zeroed snapshot is fine. */
DWORD wm_heap_snapshot_free(wm_heap_snapshot_t *snapshot);

#endif /* WM_HEAP_H */
