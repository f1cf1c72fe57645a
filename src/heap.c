/*
 * heap.c - the process heap, private heaps, blocks, heap walks and leak snapshots.
 *
 * Rules, from Microsoft Learn's heapapi.h pages (HeapCreate, HeapAlloc, HeapReAlloc, HeapFree,
 * HeapSize, HeapDestroy, HeapWalk, HeapCompact, GetProcessHeaps, HeapQueryInformation,
 * HeapSetInformation):
 *  - HeapAlloc, HeapReAlloc and HeapSize do not call SetLastError when they fail, so
 *    GetLastError after them means nothing: the wrappers report a fixed code.
 *  - HeapFree with a NULL pointer is undefined, not a no-op as free(NULL) is.
 *  - HeapDestroy must not be given the process heap.
 *  - A walk starts with lpData NULL and must hold the heap lock when other threads may use
 *    the heap; it ends with FALSE and ERROR_NO_MORE_ITEMS.
 *  - HeapCompact returns 0 both for "failed" and for "no free space"; only the last error,
 *    cleared before the call, tells them apart.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_heap.h"

#include <stdlib.h>
#include <string.h>

#include "wm_os.h"
#include "wm_system.h"
#include "wm_virtual_alloc.h"

/* The flags each function accepts; anything else is a caller's mistake. */
#define CREATE_OPTIONS (HEAP_NO_SERIALIZE | HEAP_GENERATE_EXCEPTIONS | HEAP_CREATE_ENABLE_EXECUTE)
#define ALLOC_FLAGS (HEAP_ZERO_MEMORY | HEAP_NO_SERIALIZE | HEAP_GENERATE_EXCEPTIONS)
#define REALLOC_FLAGS (ALLOC_FLAGS | HEAP_REALLOC_IN_PLACE_ONLY)
#define ACCESS_FLAGS HEAP_NO_SERIALIZE

DWORD wm_heap_process(HANDLE *heap)
{
    if (heap == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *heap = wm__os.GetProcessHeap(); /* cannot fail: every process has one */
    return ERROR_SUCCESS;
}

DWORD wm_heap_create(DWORD options, SIZE_T initial_size, SIZE_T maximum_size, HANDLE *heap)
{
    HANDLE created = NULL;

    if (heap == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *heap = NULL;
    if ((options & ~(DWORD)CREATE_OPTIONS) != 0) {
        return ERROR_INVALID_PARAMETER;
    }
    /* HeapCreate: the initial size must not exceed a non-zero maximum size. */
    if (maximum_size != 0 && initial_size > maximum_size) {
        return ERROR_INVALID_PARAMETER;
    }
    created = wm__os.HeapCreate(options, initial_size, maximum_size);
    if (created == NULL) {
        return GetLastError();
    }
    *heap = created;
    return ERROR_SUCCESS;
}

DWORD wm_heap_destroy(HANDLE heap)
{
    HANDLE process_heap = NULL;
    BOOL ok = FALSE;

    if (heap == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    /* HeapDestroy: "Do not use the handle to the process heap returned by GetProcessHeap". */
    process_heap = wm__os.GetProcessHeap();
    if (heap == process_heap) {
        return ERROR_INVALID_PARAMETER;
    }
    ok = wm__os.HeapDestroy(heap); /* every block goes at once: no HeapFree needed first */
    if (!ok) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

DWORD wm_heap_alloc(HANDLE heap, DWORD flags, SIZE_T size, void **block)
{
    void *allocated = NULL;

    if (block == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *block = NULL;
    if (heap == NULL || size == 0 || (flags & ~(DWORD)ALLOC_FLAGS) != 0) {
        return ERROR_INVALID_PARAMETER;
    }
    allocated = wm__os.HeapAlloc(heap, flags, size);
    if (allocated == NULL) {
        /* API oddity (HeapAlloc): a NULL return sets no last error; it means no memory. */
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    *block = allocated;
    return ERROR_SUCCESS;
}

DWORD wm_heap_realloc(HANDLE heap, DWORD flags, void *block, SIZE_T size, void **resized)
{
    void *moved = NULL;

    if (resized == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *resized = block; /* on any failure the caller keeps the original block */
    if (heap == NULL || block == NULL || size == 0 || (flags & ~(DWORD)REALLOC_FLAGS) != 0) {
        return ERROR_INVALID_PARAMETER;
    }
    moved = wm__os.HeapReAlloc(heap, flags, block, size);
    if (moved == NULL) {
        /* HeapReAlloc: on failure the original block is left unchanged and still valid;
         * like HeapAlloc it is not documented to set a last error. */
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    *resized = moved;
    return ERROR_SUCCESS;
}

DWORD wm_heap_free(HANDLE heap, DWORD flags, void *block)
{
    BOOL ok = FALSE;

    /* HeapFree: a NULL pointer is undefined behaviour, so refuse it here. */
    if (heap == NULL || block == NULL || (flags & ~(DWORD)ACCESS_FLAGS) != 0) {
        return ERROR_INVALID_PARAMETER;
    }
    ok = wm__os.HeapFree(heap, flags, block);
    if (!ok) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

DWORD wm_heap_size(HANDLE heap, DWORD flags, const void *block, SIZE_T *size)
{
    SIZE_T bytes = 0;

    if (size == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *size = 0;
    if (heap == NULL || block == NULL || (flags & ~(DWORD)ACCESS_FLAGS) != 0) {
        return ERROR_INVALID_PARAMETER;
    }
    bytes = wm__os.HeapSize(heap, flags, block);
    if (bytes == (SIZE_T)-1) {
        /* API oddity (HeapSize): failure is (SIZE_T)-1 and sets no last error. */
        return ERROR_INVALID_BLOCK;
    }
    *size = bytes;
    return ERROR_SUCCESS;
}

DWORD wm_heap_validate(HANDLE heap, DWORD flags, const void *block, int *valid)
{
    BOOL ok = FALSE;

    if (valid == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *valid = 0;
    if (heap == NULL || (flags & ~(DWORD)ACCESS_FLAGS) != 0) {
        return ERROR_INVALID_PARAMETER;
    }
    /* HeapValidate: FALSE means "invalid heap or block", a finding rather than an error. On
     * a system set up for debugging it also prints what is wrong and stops at a breakpoint. */
    ok = wm__os.HeapValidate(heap, flags, block);
    *valid = ok ? 1 : 0;
    return ERROR_SUCCESS;
}

DWORD wm_heap_compact(HANDLE heap, DWORD flags, SIZE_T *largest_free)
{
    SIZE_T largest = 0;
    DWORD error = ERROR_SUCCESS;

    if (largest_free == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *largest_free = 0;
    if (heap == NULL || (flags & ~(DWORD)ACCESS_FLAGS) != 0) {
        return ERROR_INVALID_PARAMETER;
    }
    /* HeapCompact: 0 is both "failed" and "no free space at all"; GetLastError decides,
     * so clear it first. */
    SetLastError(ERROR_SUCCESS);
    largest = wm__os.HeapCompact(heap, flags);
    if (largest == 0) {
        error = GetLastError();
        if (error != ERROR_SUCCESS) {
            return error;
        }
    }
    *largest_free = largest;
    return ERROR_SUCCESS;
}

DWORD wm_heap_lock(HANDLE heap)
{
    BOOL ok = FALSE;

    if (heap == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    ok = wm__os.HeapLock(heap);
    if (!ok) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

DWORD wm_heap_unlock(HANDLE heap)
{
    BOOL ok = FALSE;

    if (heap == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    ok = wm__os.HeapUnlock(heap);
    if (!ok) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

/* ---- Walking ---- */

static void copy_entry(const PROCESS_HEAP_ENTRY *raw, wm_heap_entry_t *entry)
{
    memset(entry, 0, sizeof *entry);
    entry->address = (uintptr_t)raw->lpData;
    entry->size = raw->cbData;
    entry->overhead = raw->cbOverhead;
    entry->flags = raw->wFlags;
    entry->region_index = raw->iRegionIndex;
    /* PROCESS_HEAP_ENTRY: the Region member of the union is valid only for a region. */
    if ((raw->wFlags & PROCESS_HEAP_REGION) != 0) {
        entry->committed = raw->Region.dwCommittedSize;
        entry->uncommitted = raw->Region.dwUnCommittedSize;
    }
}

static void add_entry(wm_heap_summary_t *summary, const wm_heap_entry_t *entry)
{
    summary->entries++;
    if ((entry->flags & PROCESS_HEAP_REGION) != 0) {
        summary->regions++;
        summary->committed_bytes += entry->committed;
        summary->uncommitted_bytes += entry->uncommitted;
    } else if ((entry->flags & PROCESS_HEAP_UNCOMMITTED_RANGE) != 0) {
        summary->uncommitted_ranges++;
    } else if ((entry->flags & PROCESS_HEAP_ENTRY_BUSY) != 0) {
        summary->busy_blocks++;
        summary->busy_bytes += entry->size;
        summary->busy_overhead += entry->overhead;
    } else {
        /* No flag: a free block. */
        summary->free_blocks++;
        summary->free_bytes += entry->size;
        if (entry->size > summary->largest_free) {
            summary->largest_free = entry->size;
        }
    }
}

/* The walk itself; the caller holds the heap lock. */
static DWORD walk_locked(HANDLE heap, wm_heap_summary_t *summary, wm_heap_entry_fn visit,
                         void *context)
{
    PROCESS_HEAP_ENTRY raw;
    wm_heap_entry_t entry;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;
    int stop = 0;

    memset(summary, 0, sizeof *summary);
    memset(&raw, 0, sizeof raw); /* HeapWalk: lpData NULL starts a new walk */
    for (;;) {
        ok = wm__os.HeapWalk(heap, &raw);
        if (!ok) {
            error = GetLastError();
            /* HeapWalk: the normal end of the walk is FALSE with ERROR_NO_MORE_ITEMS. */
            return error == ERROR_NO_MORE_ITEMS ? ERROR_SUCCESS : error;
        }
        copy_entry(&raw, &entry);
        add_entry(summary, &entry);
        if (visit != NULL) {
            stop = visit(context, &entry);
            if (stop) {
                return ERROR_SUCCESS;
            }
        }
    }
}

DWORD wm_heap_walk(HANDLE heap, wm_heap_summary_t *summary, wm_heap_entry_fn visit, void *context)
{
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    if (heap == NULL || summary == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(summary, 0, sizeof *summary);
    /* HeapWalk: lock the heap so no other thread changes it under the walk. */
    ok = wm__os.HeapLock(heap);
    if (!ok) {
        return GetLastError();
    }
    error = walk_locked(heap, summary, visit, context);
    ok = wm__os.HeapUnlock(heap);
    if (!ok && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    return error;
}

/* ---- The process's heaps and heap information ---- */

DWORD wm_heap_list(wm_heap_list_t *list)
{
    HANDLE process_heap = NULL;
    DWORD total = 0;

    if (list == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(list, 0, sizeof *list);
    list->default_index = WM_HEAP_NOT_FOUND;
    /* GetProcessHeaps returns the total; more than the capacity means it stored only the
     * capacity. 0 is failure: every process has at least its default heap. */
    total = wm__os.GetProcessHeaps(WM_HEAP_LIST_MAX, list->heaps);
    if (total == 0) {
        return GetLastError();
    }
    list->total = total;
    list->count = total < WM_HEAP_LIST_MAX ? total : WM_HEAP_LIST_MAX;
    process_heap = wm__os.GetProcessHeap();
    list->default_index = wm_heap_list_index(list, process_heap);
    return ERROR_SUCCESS;
}

DWORD wm_heap_list_index(const wm_heap_list_t *list, HANDLE heap)
{
    DWORD i = 0;

    if (list == NULL) {
        return WM_HEAP_NOT_FOUND;
    }
    for (i = 0; i < list->count && i < WM_HEAP_LIST_MAX; i++) {
        if (list->heaps[i] == heap) {
            return i;
        }
    }
    return WM_HEAP_NOT_FOUND;
}

DWORD wm_heap_front_end(HANDLE heap, ULONG *front_end)
{
    ULONG information = 0;
    SIZE_T returned = 0;
    BOOL ok = FALSE;

    if (heap == NULL || front_end == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *front_end = WM_HEAP_STANDARD;
    /* HeapQueryInformation: HeapCompatibilityInformation fills one ULONG (0, 1 or 2). */
    ok = wm__os.HeapQueryInformation(heap, HeapCompatibilityInformation, &information,
                                     sizeof information, &returned);
    if (!ok) {
        return GetLastError();
    }
    *front_end = information;
    return ERROR_SUCCESS;
}

DWORD wm_heap_enable_low_frag(HANDLE heap)
{
    ULONG low_frag = WM_HEAP_LOW_FRAG; /* HeapSetInformation: 2 asks for the LFH */
    BOOL ok = FALSE;

    if (heap == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    ok = wm__os.HeapSetInformation(heap, HeapCompatibilityInformation, &low_frag, sizeof low_frag);
    if (!ok) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

DWORD wm_heap_terminate_on_corruption(void)
{
    BOOL ok = FALSE;

    /* HeapSetInformation: this class is process-wide, takes no heap, no buffer, length 0. */
    ok = wm__os.HeapSetInformation(NULL, /* every heap of the process */
                                   HeapEnableTerminationOnCorruption, NULL, 0);
    if (!ok) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

/* ---- Leak snapshots ---- */

/* Storage for count blocks, from VirtualAlloc: a heap would change the heap being recorded. */
static DWORD snapshot_allocate(wm_heap_snapshot_t *snapshot, SIZE_T count)
{
    ULONGLONG bytes = 0;
    void *base = NULL;
    DWORD error = ERROR_SUCCESS;

    memset(snapshot, 0, sizeof *snapshot);
    if (count == 0) {
        return ERROR_SUCCESS;
    }
    error = wm_size_multiply(count, sizeof(wm_heap_block_t), &bytes);
    if (error != ERROR_SUCCESS || bytes > (ULONGLONG)(SIZE_T)-1) {
        return ERROR_ARITHMETIC_OVERFLOW;
    }
    error = wm_vm_allocate(NULL, (SIZE_T)bytes, PAGE_READWRITE, &base);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    snapshot->blocks = (wm_heap_block_t *)base;
    snapshot->capacity = count;
    return ERROR_SUCCESS;
}

/* wm_heap_entry_fn that records busy blocks into a snapshot. */
static int record_busy(void *context, const wm_heap_entry_t *entry)
{
    wm_heap_snapshot_t *snapshot = (wm_heap_snapshot_t *)context;

    if ((entry->flags & PROCESS_HEAP_ENTRY_BUSY) == 0) {
        return 0;
    }
    if (snapshot->count == snapshot->capacity) {
        return 1; /* cannot happen while the heap is locked; stop rather than overrun */
    }
    snapshot->blocks[snapshot->count].address = entry->address;
    snapshot->blocks[snapshot->count].size = entry->size;
    snapshot->count++;
    return 0;
}

static int compare_blocks(const void *left, const void *right)
{
    const wm_heap_block_t *a = (const wm_heap_block_t *)left;
    const wm_heap_block_t *b = (const wm_heap_block_t *)right;

    if (a->address != b->address) {
        return a->address < b->address ? -1 : 1;
    }
    if (a->size != b->size) {
        return a->size < b->size ? -1 : 1;
    }
    return 0;
}

DWORD wm_heap_snapshot_take(HANDLE heap, wm_heap_snapshot_t *snapshot)
{
    wm_heap_summary_t counted;
    wm_heap_summary_t recorded;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    if (snapshot == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(snapshot, 0, sizeof *snapshot);
    if (heap == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    /* One lock over both walks: nothing can change the heap between counting and recording
     * (VirtualAlloc, which provides the storage, does not use the heap). */
    ok = wm__os.HeapLock(heap);
    if (!ok) {
        return GetLastError();
    }
    error = walk_locked(heap, &counted, NULL, NULL);
    if (error == ERROR_SUCCESS) {
        error = snapshot_allocate(snapshot, counted.busy_blocks);
    }
    if (error == ERROR_SUCCESS && snapshot->capacity > 0) {
        error = walk_locked(heap, &recorded, record_busy, snapshot);
    }
    ok = wm__os.HeapUnlock(heap);
    if (!ok && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    if (error != ERROR_SUCCESS) {
        /* Give the storage back; the first error is the one worth reporting. */
        (void)wm_heap_snapshot_free(snapshot);
        return error;
    }
    if (snapshot->count > 1) {
        qsort(snapshot->blocks, snapshot->count, sizeof snapshot->blocks[0], compare_blocks);
    }
    return ERROR_SUCCESS;
}

/* 1 when snapshot holds a block with this address and size (it is sorted). */
static int snapshot_contains(const wm_heap_snapshot_t *snapshot, const wm_heap_block_t *block)
{
    const void *found = NULL;

    if (snapshot->count == 0) {
        return 0;
    }
    found = bsearch(block, snapshot->blocks, snapshot->count, sizeof snapshot->blocks[0],
                    compare_blocks);
    return found != NULL;
}

DWORD wm_heap_snapshot_diff(const wm_heap_snapshot_t *before, const wm_heap_snapshot_t *after,
                            wm_heap_snapshot_t *appeared)
{
    SIZE_T new_blocks = 0;
    SIZE_T i = 0;
    DWORD error = ERROR_SUCCESS;

    if (appeared == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(appeared, 0, sizeof *appeared);
    if (before == NULL || after == NULL || (before->count > 0 && before->blocks == NULL) ||
        (after->count > 0 && after->blocks == NULL)) {
        return ERROR_INVALID_PARAMETER;
    }
    for (i = 0; i < after->count; i++) {
        if (!snapshot_contains(before, &after->blocks[i])) {
            new_blocks++;
        }
    }
    error = snapshot_allocate(appeared, new_blocks);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    for (i = 0; i < after->count && appeared->count < appeared->capacity; i++) {
        if (!snapshot_contains(before, &after->blocks[i])) {
            appeared->blocks[appeared->count] = after->blocks[i];
            appeared->count++;
        }
    }
    return ERROR_SUCCESS;
}

DWORD wm_heap_snapshot_free(wm_heap_snapshot_t *snapshot)
{
    DWORD error = ERROR_SUCCESS;

    if (snapshot == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    if (snapshot->blocks != NULL) {
        error = wm_vm_release(snapshot->blocks);
        if (error != ERROR_SUCCESS) {
            return error; /* still held: the caller may try again */
        }
    }
    memset(snapshot, 0, sizeof *snapshot);
    return ERROR_SUCCESS;
}
