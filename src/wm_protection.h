/*
 * wm_protection.h - page protection: names, change and query, a fault probe, guard pages,
 * fenced allocation and read-only-after-initialisation tables.
 *
 * Every committed page carries one protection (Memory Protection Constants on Microsoft
 * Learn): PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, PAGE_EXECUTE,
 * PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE or PAGE_EXECUTE_WRITECOPY, optionally with one
 * modifier: PAGE_GUARD, PAGE_NOCACHE or PAGE_WRITECOMBINE. An access the protection does not
 * allow raises EXCEPTION_ACCESS_VIOLATION; the first touch of a guard page raises
 * STATUS_GUARD_PAGE_VIOLATION.
 *
 * The probe (wm_probe) performs one read, write or execute at an address and reports what
 * happened, without crashing and without __try: the access runs in a tiny machine-code stub
 * the library writes into an executable page of its own, and a vectored exception handler,
 * present only while a probe runs, recognises a fault raised by that stub on the probing
 * thread, records it and resumes after the stub. Every other exception, on any thread, is
 * passed on untouched (EXCEPTION_CONTINUE_SEARCH). x64 only: the handler must move the
 * instruction pointer, which is a per-architecture register; elsewhere wm_probe returns
 * ERROR_NOT_SUPPORTED.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_PROTECTION_H
#define WM_PROTECTION_H

#include <stddef.h>
#include <stdint.h>
#include <windows.h>

/* Room for the longest name wm_protect_format writes, NUL included:
 * "PAGE_EXECUTE_WRITECOPY|PAGE_GUARD|PAGE_NOCACHE|PAGE_WRITECOMBINE" and some spare. */
#define WM_PROTECT_NAME_MAX 96

/*
 * Writes the name of protect into text: the base constant, then any modifiers joined with
 * '|', such as "PAGE_READWRITE|PAGE_GUARD" (wm_protect_name, in wm_virtual_memory.h, names
 * the base only). 0 is "0" (what VirtualQuery reports for
 * reserved and free pages). Bits that name no constant give ERROR_INVALID_PARAMETER, and
 * so does a NULL text; ERROR_INSUFFICIENT_BUFFER if the name does not fit (text is then
 * the empty string).
 */
DWORD wm_protect_format(DWORD protect, char *text, size_t capacity);

/*
 * Parses a name as wm_protect_format writes it ("PAGE_EXECUTE_READ", "PAGE_READWRITE|
 * PAGE_GUARD"; exact case, no spaces) into *protect. Unknown names, an empty text or an
 * empty part give ERROR_INVALID_PARAMETER; *protect is written only on success.
 */
DWORD wm_protect_parse(const char *text, DWORD *protect);

/*
 * Sets the protection of every page touching [address, address + size) to protect and
 * stores the previous protection of the first page in *old_protect (VirtualProtect;
 * old_protect must not be NULL, because VirtualProtect fails when its lpflOldProtect is).
 * The pages must be committed and belong to one allocation; otherwise VirtualProtect's
 * error (ERROR_INVALID_ADDRESS for reserved pages). NULL address or old_protect, or a zero
 * size: ERROR_INVALID_PARAMETER.
 */
DWORD wm_protect_change(void *address, SIZE_T size, DWORD protect, DWORD *old_protect);

/*
 * Stores the protection of the page holding address in *protect (VirtualQuery). A page that
 * is not committed has none: ERROR_INVALID_ADDRESS, *protect 0.
 */
DWORD wm_protect_query(const void *address, DWORD *protect);

/* What a probe does at the address. */
typedef enum wm_probe_access_e
{
    WM_PROBE_READ,   /* read one byte */
    WM_PROBE_WRITE,  /* write one byte */
    WM_PROBE_EXECUTE /* call the address as code: it must hold a function that returns */
} wm_probe_access_t;

/* What happened. */
typedef enum wm_probe_outcome_e
{
    WM_PROBE_DONE,             /* the access ran */
    WM_PROBE_ACCESS_VIOLATION, /* EXCEPTION_ACCESS_VIOLATION (0xC0000005) */
    WM_PROBE_GUARD_PAGE        /* STATUS_GUARD_PAGE_VIOLATION (0x80000001): the guard is gone */
} wm_probe_outcome_t;

/* The access types in ExceptionInformation[0] (EXCEPTION_RECORD on Microsoft Learn). */
#define WM_ACCESS_TYPE_READ 0    /* the instruction read the address */
#define WM_ACCESS_TYPE_WRITE 1   /* the instruction wrote it */
#define WM_ACCESS_TYPE_EXECUTE 8 /* a DEP violation: it tried to run code there */

/* A probe's report. */
typedef struct wm_probe_result_s
{
    wm_probe_outcome_t outcome; /* done, or which exception */
    DWORD exception_code;       /* 0 when done, else ExceptionCode */
    ULONG_PTR access_type;      /* ExceptionInformation[0]: WM_ACCESS_TYPE_* (0 when done) */
    uintptr_t fault_address;    /* ExceptionInformation[1]: the address touched (0 when done) */
    uint64_t value;             /* done: the byte read, or what the executed code returned */
} wm_probe_result_t;

/*
 * Performs one access at address and stores what happened in *result. A write stores
 * value's low byte; a read stores the byte read in result->value; an execute calls
 * address with no arguments (the code there must return, a single 0xC3 "ret" will do) and
 * stores what it returned. Only a fault of the access itself is caught (for an execute,
 * the fetch of its first instruction); a fault later in executed code is not. The guard
 * of a guard page that fires is gone afterwards, as always. The probe allocates its code
 * page and adds its handler for the call only: nothing is left behind. Fails with
 * ERROR_INVALID_PARAMETER (NULL result, unknown access), ERROR_NOT_ENOUGH_QUOTA when
 * WM_PROBE_MAX_THREADS threads are probing at once, ERROR_NOT_SUPPORTED on a processor
 * other than x64, or the error of VirtualAlloc, VirtualProtect, FlushInstructionCache or
 * AddVectoredExceptionHandler; then no access was made. A NULL address is allowed: it is a
 * fine address to fault at.
 */
DWORD wm_probe(wm_probe_access_t access, void *address, unsigned char value,
               wm_probe_result_t *result);

/* The most threads that may be inside wm_probe at once. */
#define WM_PROBE_MAX_THREADS 64

/* How many probes are running right now (0 means the probe's handler is not installed). */
SIZE_T wm_probe_live(void);

/*
 * Adds PAGE_GUARD to the protection of the pages touching [address, address + size): the
 * first page's protection, plus the guard, is set on all of them. *old_protect receives the
 * first page's protection before. The next touch of each page raises
 * STATUS_GUARD_PAGE_VIOLATION once and removes its guard ("Creating Guard Pages" on
 * Microsoft Learn). Errors as wm_protect_change; ERROR_INVALID_PARAMETER for a
 * PAGE_NOACCESS page (Memory Protection Constants: PAGE_GUARD cannot be used with it).
 */
DWORD wm_guard_arm(void *address, SIZE_T size, DWORD *old_protect);

/* Which side of a fenced block the inaccessible page is on. */
typedef enum wm_fence_side_e
{
    WM_FENCE_AFTER, /* the block ends where the fence begins: overruns fault */
    WM_FENCE_BEFORE /* the block starts where the fence ends: underruns fault */
} wm_fence_side_t;

/* A fenced block. The caller owns the struct. */
typedef struct wm_fence_s
{
    void *base;           /* the reservation: data pages plus one fence page */
    SIZE_T reserved;      /* bytes reserved */
    unsigned char *block; /* the caller's size bytes, against the fence */
    SIZE_T size;          /* as asked, not rounded */
    wm_fence_side_t side; /* where the fence is */
    int freed;            /* 1 after wm_fence_free: the data pages are inaccessible */
} wm_fence_t;

/*
 * Allocates size bytes (zeroed, read-write) so that the block touches an inaccessible page:
 * with WM_FENCE_AFTER the block's last byte is the last byte before the fence (so the block
 * is aligned only as well as size is: ask for multiples of 16 for 16-byte alignment), with
 * WM_FENCE_BEFORE its first byte is the first after the fence. The fence is a reserved,
 * never committed page: any touch is an access violation at the exact address. This is the
 * idea of the full page heap (gflags /p /full), one reservation per block. Fails with
 * ERROR_INVALID_PARAMETER (NULL fence, zero size, unknown side), ERROR_ARITHMETIC_OVERFLOW,
 * or VirtualAlloc's error; then nothing is reserved and *fence is zeroed.
 */
DWORD wm_fence_alloc(SIZE_T size, wm_fence_side_t side, wm_fence_t *fence);

/*
 * "Frees" the block the page heap's way: decommits its pages (their contents are gone and
 * the commit charge returned) but keeps the reservation, so a later use after free is an
 * access violation, not a silent read of reused memory. Call wm_fence_release to give the
 * addresses back. ERROR_INVALID_PARAMETER when fence is NULL, not allocated or freed.
 */
DWORD wm_fence_free(wm_fence_t *fence);

/* Releases the reservation (freed or not) and zeroes *fence. */
DWORD wm_fence_release(wm_fence_t *fence);

/* A table that is written once at start-up and read-only afterwards. */
typedef struct wm_readonly_s
{
    void *base;  /* the pages, a whole number */
    SIZE_T size; /* bytes committed */
    int sealed;  /* 1 once wm_readonly_seal made the pages PAGE_READONLY */
} wm_readonly_t;

/* Commits size bytes (rounded up to whole pages) of zeroed read-write pages for a table.
 * ERROR_INVALID_PARAMETER (NULL table, zero size), ERROR_ARITHMETIC_OVERFLOW or
 * VirtualAlloc's error; then *table is zeroed. */
DWORD wm_readonly_create(SIZE_T size, wm_readonly_t *table);

/* Makes the table's pages PAGE_READONLY: from now on a write is an access violation.
 * ERROR_INVALID_PARAMETER when not created or already sealed. */
DWORD wm_readonly_seal(wm_readonly_t *table);

/* Releases the table's pages and zeroes *table. */
DWORD wm_readonly_destroy(wm_readonly_t *table);

#endif /* WM_PROTECTION_H */
