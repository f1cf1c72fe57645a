/*
 * arena.c - the slow path and the life cycle of the arena allocator (wm_arena.h).
 *
 * Rules, from Microsoft Learn's VirtualAlloc and VirtualFree pages:
 *  - Committing pages that are already committed succeeds; the arena still commits only
 *    from its committed end, so it never asks for the same page twice.
 *  - MEM_DECOMMIT keeps the reservation: the next growth commits fresh, zeroed pages.
 *  - MEM_RELEASE needs the reservation's base and a size of 0.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_arena.h"

#include <string.h>

#include "wm_os.h"

DWORD wm_arena_create(SIZE_T reserve, SIZE_T chunk, wm_arena_t *arena)
{
    SYSTEM_INFO system;
    SIZE_T page_mask = 0;
    SIZE_T granule_mask = 0;
    SIZE_T reserve_rounded = 0;
    SIZE_T chunk_rounded = 0;
    void *base = NULL;

    if (arena == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(arena, 0, sizeof *arena);
    if (reserve == 0 || chunk == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    wm__os.GetSystemInfo(&system);
    page_mask = (SIZE_T)system.dwPageSize - 1;
    granule_mask = (SIZE_T)system.dwAllocationGranularity - 1;
    if (reserve > (SIZE_T)-1 - granule_mask || chunk > (SIZE_T)-1 - page_mask) {
        return ERROR_ARITHMETIC_OVERFLOW;
    }
    reserve_rounded = (reserve + granule_mask) & ~granule_mask;
    chunk_rounded = (chunk + page_mask) & ~page_mask;
    if (chunk_rounded > reserve_rounded) {
        return ERROR_INVALID_PARAMETER;
    }
    base = wm__os.VirtualAlloc(NULL, reserve_rounded, MEM_RESERVE, /* address space only */
                               PAGE_NOACCESS); /* ignored until pages are committed */
    if (base == NULL) {
        return GetLastError();
    }
    arena->base = (uintptr_t)base;
    arena->next = arena->base;
    arena->committed_end = arena->base; /* nothing committed: the first alloc grows */
    arena->reserved_end = arena->base + reserve_rounded;
    arena->chunk = chunk_rounded;
    return ERROR_SUCCESS;
}

DWORD wm__arena_grow(wm_arena_t *arena, SIZE_T size, SIZE_T alignment, void **block)
{
    uintptr_t start = 0;
    uintptr_t end = 0;
    uintptr_t new_end = 0;
    SIZE_T missing = 0;
    SIZE_T grow = 0;
    void *committed = NULL;

    /* wm_arena_alloc checked the parameters before coming here. */
    *block = NULL;
    start = (arena->next + (alignment - 1)) & ~(uintptr_t)(alignment - 1);
    end = start + size;
    if (start < arena->next || end < start) {
        return ERROR_ARITHMETIC_OVERFLOW;
    }
    if (end > arena->reserved_end) {
        return ERROR_NOT_ENOUGH_MEMORY; /* the reservation is full: it never moves or grows */
    }
    /* Commit whole chunks from the committed end, but never past the reservation. */
    missing = (SIZE_T)(end - arena->committed_end);
    grow = ((missing + arena->chunk - 1) / arena->chunk) * arena->chunk;
    new_end = arena->committed_end + grow;
    if (new_end > arena->reserved_end || new_end < arena->committed_end) {
        new_end = arena->reserved_end;
    }
    committed =
        wm__os.VirtualAlloc((LPVOID)arena->committed_end, (SIZE_T)(new_end - arena->committed_end),
                            MEM_COMMIT,      /* charge the commit limit now */
                            PAGE_READWRITE); /* blocks are data */
    if (committed == NULL) {
        return GetLastError();
    }
    arena->committed_end = new_end;
    arena->grows++;
    arena->next = end;
    *block = (void *)start;
    return ERROR_SUCCESS;
}

SIZE_T wm_arena_used(const wm_arena_t *arena)
{
    return arena == NULL ? 0 : (SIZE_T)(arena->next - arena->base);
}

SIZE_T wm_arena_committed(const wm_arena_t *arena)
{
    return arena == NULL ? 0 : (SIZE_T)(arena->committed_end - arena->base);
}

DWORD wm_arena_reset(wm_arena_t *arena, int keep_pages)
{
    BOOL ok = FALSE;

    if (arena == NULL || arena->base == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    if (!keep_pages && arena->committed_end > arena->base) {
        ok = wm__os.VirtualFree((LPVOID)arena->base, (SIZE_T)(arena->committed_end - arena->base),
                                MEM_DECOMMIT); /* back to reserved: no commit, no RAM */
        if (!ok) {
            return GetLastError(); /* nothing changed: the blocks are still valid */
        }
        arena->committed_end = arena->base;
    }
    arena->next = arena->base;
    return ERROR_SUCCESS;
}

DWORD wm_arena_release(wm_arena_t *arena)
{
    BOOL ok = FALSE;

    if (arena == NULL || arena->base == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    ok = wm__os.VirtualFree((LPVOID)arena->base, 0, /* API rule: 0 with MEM_RELEASE */
                            MEM_RELEASE);           /* the whole reservation */
    if (!ok) {
        return GetLastError();
    }
    memset(arena, 0, sizeof *arena);
    return ERROR_SUCCESS;
}
