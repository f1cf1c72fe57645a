/*
 * protection.c - page protection: names, VirtualProtect and VirtualQuery, a fault probe
 * built on a vectored exception handler, guard pages, fenced blocks and read-only tables.
 *
 * Rules, from Microsoft Learn:
 *  - Memory Protection Constants: one base protection, plus at most one of PAGE_GUARD,
 *    PAGE_NOCACHE, PAGE_WRITECOMBINE; PAGE_WRITECOPY only for mapped views.
 *  - VirtualProtect: the pages must be committed; lpflOldProtect must point to a variable,
 *    or the call fails; the old value is the first page's protection.
 *  - AddVectoredExceptionHandler / PVECTORED_EXCEPTION_HANDLER: a handler may change the
 *    CONTEXT and return EXCEPTION_CONTINUE_EXECUTION to resume there, or return
 *    EXCEPTION_CONTINUE_SEARCH to pass the exception on.
 *  - EXCEPTION_RECORD: for EXCEPTION_ACCESS_VIOLATION (and, as measured, the guard-page
 *    exception) ExceptionInformation[0] is 0 read, 1 write, 8 DEP; [1] is the address.
 *  - FlushInstructionCache: call it after writing code, before running it.
 *  - Data Execution Prevention: code in a page without an execute right does not run.
 *
 * How the probe works. The library writes three stubs into a page of its own, while the
 * page is PAGE_READWRITE, then makes it PAGE_EXECUTE_READ (never writable and executable
 * at once: W^X):
 *   read     movzx eax, byte ptr [rcx]; ret
 *   write    mov byte ptr [rcx], dl; xor eax, eax; ret
 *   execute  call rcx; ret
 * Each stub's first instruction is the access. The probing thread registers itself (thread
 * id, access, target, stub page) in a table, then calls the stub. The handler looks only at
 * access violations and guard-page violations, and only when the table has an entry for the
 * current thread and the faulting instruction is that entry's stub (read, write) or its
 * target called from the execute stub (the return address on the stack is the execute
 * stub's "ret"). It records the exception and returns to the stub's caller, as the stub's
 * "ret" would: Rip from [Rsp], Rsp + 8, Rax the failure marker. Anything else, on any
 * thread, gets EXCEPTION_CONTINUE_SEARCH untouched.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_protection.h"

#include <string.h>

#include "wm_os.h"

/* ---- Names. ---- */

typedef struct protect_name_s
{
    DWORD value;
    const char *name;
} protect_name_t;

/* The base protections: exactly one of these is in every committed page's protection. */
static const protect_name_t base_names[] = {
    {PAGE_NOACCESS, "PAGE_NOACCESS"},
    {PAGE_READONLY, "PAGE_READONLY"},
    {PAGE_READWRITE, "PAGE_READWRITE"},
    {PAGE_WRITECOPY, "PAGE_WRITECOPY"},
    {PAGE_EXECUTE, "PAGE_EXECUTE"},
    {PAGE_EXECUTE_READ, "PAGE_EXECUTE_READ"},
    {PAGE_EXECUTE_READWRITE, "PAGE_EXECUTE_READWRITE"},
    {PAGE_EXECUTE_WRITECOPY, "PAGE_EXECUTE_WRITECOPY"},
};

/* The modifiers, in the order names are written. */
static const protect_name_t modifier_names[] = {
    {PAGE_GUARD, "PAGE_GUARD"},
    {PAGE_NOCACHE, "PAGE_NOCACHE"},
    {PAGE_WRITECOMBINE, "PAGE_WRITECOMBINE"},
};

#define BASE_COUNT (sizeof base_names / sizeof base_names[0])
#define MODIFIER_COUNT (sizeof modifier_names / sizeof modifier_names[0])

/* The bits of the base protections, and of the modifiers. */
#define BASE_MASK 0xFFu
#define MODIFIER_MASK (PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE)

/* Appends part (with a '|' before it unless first) to text; 0 if it does not fit. */
static int append_part(char *text, size_t capacity, size_t *length, const char *part)
{
    size_t part_length = strlen(part);
    size_t separator = *length > 0 ? 1 : 0;

    if (*length + separator + part_length + 1 > capacity) {
        return 0;
    }
    if (separator) {
        text[*length] = '|';
    }
    memcpy(text + *length + separator, part, part_length + 1);
    *length += separator + part_length;
    return 1;
}

DWORD wm_protect_format(DWORD protect, char *text, size_t capacity)
{
    const char *base = NULL;
    size_t length = 0;
    size_t i = 0;

    if (text == NULL || capacity == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    text[0] = '\0';
    if ((protect & ~(BASE_MASK | MODIFIER_MASK)) != 0) {
        return ERROR_INVALID_PARAMETER;
    }
    if (protect == 0) {
        return append_part(text, capacity, &length, "0") ? ERROR_SUCCESS
                                                         : ERROR_INSUFFICIENT_BUFFER;
    }
    for (i = 0; i < BASE_COUNT; i++) {
        if ((protect & BASE_MASK) == base_names[i].value) {
            base = base_names[i].name;
        }
    }
    if (base == NULL) {
        return ERROR_INVALID_PARAMETER; /* no base, or two base bits at once */
    }
    if (!append_part(text, capacity, &length, base)) {
        text[0] = '\0';
        return ERROR_INSUFFICIENT_BUFFER;
    }
    for (i = 0; i < MODIFIER_COUNT; i++) {
        if ((protect & modifier_names[i].value) == 0) {
            continue;
        }
        if (!append_part(text, capacity, &length, modifier_names[i].name)) {
            text[0] = '\0';
            return ERROR_INSUFFICIENT_BUFFER;
        }
    }
    return ERROR_SUCCESS;
}

/* The value of the one name text[0..length), or 0 if it names nothing. */
static DWORD lookup_part(const char *text, size_t length)
{
    size_t i = 0;

    for (i = 0; i < BASE_COUNT; i++) {
        if (strlen(base_names[i].name) == length && memcmp(base_names[i].name, text, length) == 0) {
            return base_names[i].value;
        }
    }
    for (i = 0; i < MODIFIER_COUNT; i++) {
        if (strlen(modifier_names[i].name) == length &&
            memcmp(modifier_names[i].name, text, length) == 0) {
            return modifier_names[i].value;
        }
    }
    return 0;
}

DWORD wm_protect_parse(const char *text, DWORD *protect)
{
    DWORD value = 0;
    DWORD part = 0;
    const char *start = text;
    const char *end = NULL;
    size_t length = 0;

    if (text == NULL || protect == NULL || text[0] == '\0') {
        return ERROR_INVALID_PARAMETER;
    }
    for (;;) {
        end = strchr(start, '|');
        length = end != NULL ? (size_t)(end - start) : strlen(start);
        part = lookup_part(start, length);
        if (part == 0 || (value & part) != 0) {
            return ERROR_INVALID_PARAMETER; /* unknown, empty or repeated */
        }
        value |= part;
        if (end == NULL) {
            break;
        }
        start = end + 1;
    }
    *protect = value;
    return ERROR_SUCCESS;
}

/* ---- Change and query. ---- */

DWORD wm_protect_change(void *address, SIZE_T size, DWORD protect, DWORD *old_protect)
{
    BOOL changed = FALSE;

    if (address == NULL || size == 0 || old_protect == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    /* VirtualProtect: lpflOldProtect must not be NULL, so the old value always has a home. */
    changed = wm__os.VirtualProtect(address, size, protect, old_protect);
    if (!changed) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

DWORD wm_protect_query(const void *address, DWORD *protect)
{
    MEMORY_BASIC_INFORMATION info;
    HANDLE self = GetCurrentProcess(); /* a pseudo-handle: no system call, never closed */
    SIZE_T written = 0;

    if (protect == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *protect = 0;
    written = wm__os.VirtualQueryEx(self, address, &info, sizeof info);
    if (written == 0) {
        return GetLastError();
    }
    if (info.State != MEM_COMMIT) {
        return ERROR_INVALID_ADDRESS; /* reserved and free pages have no protection */
    }
    *protect = info.Protect;
    return ERROR_SUCCESS;
}

/* ---- The probe. ---- */

/* The registry's lock and size: wm_probe_live reads them on every processor. */
static SRWLOCK lock = SRWLOCK_INIT;
static SIZE_T probe_count = 0;

#if defined(_M_X64) || defined(__x86_64__)

/* The stubs' machine code (x64), and where each starts in the stub page. */
static const unsigned char read_stub[] = {
    0x0F, 0xB6, 0x01, /* movzx eax, byte ptr [rcx]: the read */
    0xC3,             /* ret */
};
static const unsigned char write_stub[] = {
    0x88, 0x11, /* mov byte ptr [rcx], dl: the write */
    0x31, 0xC0, /* xor eax, eax */
    0xC3,       /* ret */
};
static const unsigned char execute_stub[] = {
    0xFF, 0xD1, /* call rcx: the execute; pushes the address of the ret below */
    0xC3,       /* ret */
};
#define READ_STUB_OFFSET 0u
#define WRITE_STUB_OFFSET 16u
#define EXECUTE_STUB_OFFSET 32u
#define EXECUTE_RETURN_OFFSET 2u /* the "ret" after "call rcx" */

/* What the handler leaves in Rax when it ends a stub early: no successful access returns it
 * from the read and write stubs (they return 0..255 and 0). */
#define PROBE_FAILED_MARKER ((DWORD64)-1)

/* The stubs, called through these types. */
typedef uint64_t (*read_stub_fn)(volatile void *address);
typedef uint64_t (*write_stub_fn)(volatile void *address, uint64_t value);
typedef uint64_t (*execute_stub_fn)(void *address);

/* One probe in progress: the "probe in progress" mark of one thread. Lives on the probing
 * thread's stack from registration to removal; the handler writes the outcome. */
typedef struct probe_s
{
    DWORD thread_id;            /* the probing thread */
    wm_probe_access_t access;   /* which stub it runs */
    uintptr_t target;           /* the address probed */
    uintptr_t stubs;            /* its stub page */
    volatile LONG fired;        /* 1 once the handler caught the fault */
    wm_probe_result_t recorded; /* what the handler saw */
} probe_t;

/* The registry the handler searches, and the handler's handle. All guarded by lock. */
static probe_t *probes[WM_PROBE_MAX_THREADS];
static PVOID handler_handle = NULL;

/* AddVectoredExceptionHandler's First argument: ours runs before other vectored handlers,
 * so a probe's fault reaches nobody else. It only ever takes its own faults. */
#define PROBE_HANDLER_FIRST 1

/* The registered probe of thread_id, or NULL. Call with the lock held. */
static probe_t *find_probe(DWORD thread_id)
{
    SIZE_T i = 0;

    for (i = 0; i < probe_count; i++) {
        if (probes[i]->thread_id == thread_id) {
            return probes[i];
        }
    }
    return NULL;
}

/* 1 when context's instruction is probe's own access: the first instruction of its read or
 * write stub, or (execute) the target, entered by the execute stub's call. */
static int is_probe_instruction(const probe_t *probe, const CONTEXT *context)
{
    DWORD64 return_address = 0;

    switch (probe->access) {
    case WM_PROBE_READ:
        return context->Rip == (DWORD64)(probe->stubs + READ_STUB_OFFSET);
    case WM_PROBE_WRITE:
        return context->Rip == (DWORD64)(probe->stubs + WRITE_STUB_OFFSET);
    case WM_PROBE_EXECUTE:
        if (context->Rip != (DWORD64)probe->target) {
            return 0;
        }
        /* Rip is the target, so the call has just pushed its return address: [Rsp] is
         * readable and, if this is our call, the execute stub's ret. */
        memcpy(&return_address, (const void *)(uintptr_t)context->Rsp, sizeof return_address);
        return return_address ==
               (DWORD64)(probe->stubs + EXECUTE_STUB_OFFSET + EXECUTE_RETURN_OFFSET);
    }
    return 0;
}

static LONG CALLBACK wm__probe_handler(PEXCEPTION_POINTERS pointers)
{
    const EXCEPTION_RECORD *record = pointers->ExceptionRecord;
    CONTEXT *context = pointers->ContextRecord;
    probe_t *probe = NULL;
    DWORD thread_id = 0;
    DWORD64 return_address = 0;

    if (record->ExceptionCode != EXCEPTION_ACCESS_VIOLATION &&
        record->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION) {
        return EXCEPTION_CONTINUE_SEARCH;
    }
    thread_id = wm__os.GetCurrentThreadId();
    wm__os.AcquireSRWLockExclusive(&lock);
    probe = find_probe(thread_id);
    wm__os.ReleaseSRWLockExclusive(&lock);
    /* The entry stays valid without the lock: only this thread, which is here and not in
     * wm_probe's removal, ever removes it. */
    if (probe == NULL || probe->fired || !is_probe_instruction(probe, context)) {
        return EXCEPTION_CONTINUE_SEARCH; /* not our fault: leave it to the others */
    }
    probe->recorded.outcome = record->ExceptionCode == EXCEPTION_ACCESS_VIOLATION
                                  ? WM_PROBE_ACCESS_VIOLATION
                                  : WM_PROBE_GUARD_PAGE;
    probe->recorded.exception_code = record->ExceptionCode;
    if (record->NumberParameters >= 2) {
        probe->recorded.access_type = record->ExceptionInformation[0];
        probe->recorded.fault_address = (uintptr_t)record->ExceptionInformation[1];
    }
    probe->fired = 1;
    /* Resume as the stub's ret would: pop the return address (for the read and write stubs,
     * their caller; for an execute, the execute stub's own ret), no longjmp. */
    memcpy(&return_address, (const void *)(uintptr_t)context->Rsp, sizeof return_address);
    context->Rip = return_address;
    context->Rsp += sizeof return_address;
    context->Rax = PROBE_FAILED_MARKER;
    return EXCEPTION_CONTINUE_EXECUTION;
}

/* Writes the stubs into a new page and makes it executable. *page gets the page (NULL on
 * failure, when nothing is left allocated). */
static DWORD make_stubs(SIZE_T page_size, unsigned char **page)
{
    unsigned char *stubs = NULL;
    HANDLE self = GetCurrentProcess(); /* a pseudo-handle: no system call, never closed */
    DWORD old_protect = 0;
    BOOL done = FALSE;
    DWORD error = ERROR_SUCCESS;

    *page = NULL;
    stubs = (unsigned char *)wm__os.VirtualAlloc(NULL, page_size,
                                                 MEM_RESERVE | MEM_COMMIT, /* one page */
                                                 PAGE_READWRITE); /* writable, not runnable */
    if (stubs == NULL) {
        return GetLastError();
    }
    memcpy(stubs + READ_STUB_OFFSET, read_stub, sizeof read_stub);
    memcpy(stubs + WRITE_STUB_OFFSET, write_stub, sizeof write_stub);
    memcpy(stubs + EXECUTE_STUB_OFFSET, execute_stub, sizeof execute_stub);
    /* W^X: the page was writable while we wrote, and becomes runnable but read-only. */
    done = wm__os.VirtualProtect(stubs, page_size, PAGE_EXECUTE_READ, /* run, never write */
                                 &old_protect);
    if (!done) {
        error = GetLastError();
        goto fail;
    }
    /* FlushInstructionCache: after writing code, before running it. */
    done = wm__os.FlushInstructionCache(self, stubs, page_size);
    if (!done) {
        error = GetLastError();
        goto fail;
    }
    *page = stubs;
    return ERROR_SUCCESS;

fail:
    (void)wm__os.VirtualFree(stubs, 0, MEM_RELEASE); /* the first error is the one reported */
    return error;
}

/* Registers probe (adding the handler if it is the first). */
static DWORD register_probe(probe_t *probe)
{
    PVOID handle = NULL;
    DWORD error = ERROR_SUCCESS;

    wm__os.AcquireSRWLockExclusive(&lock);
    if (probe_count == WM_PROBE_MAX_THREADS) {
        error = ERROR_NOT_ENOUGH_QUOTA;
    } else if (handler_handle == NULL) {
        handle = wm__os.AddVectoredExceptionHandler(PROBE_HANDLER_FIRST, wm__probe_handler);
        if (handle == NULL) {
            error = GetLastError();
        } else {
            handler_handle = handle;
        }
    }
    if (error == ERROR_SUCCESS) {
        probes[probe_count] = probe;
        probe_count++;
    }
    wm__os.ReleaseSRWLockExclusive(&lock);
    return error;
}

/* Unregisters probe (removing the handler if it was the last). If the removal fails the
 * handler stays, harmless: it handles nothing without a registered probe, and the next
 * last probe tries again. */
static DWORD unregister_probe(probe_t *probe)
{
    SIZE_T i = 0;
    ULONG removed = 0;
    DWORD error = ERROR_SUCCESS;

    wm__os.AcquireSRWLockExclusive(&lock);
    for (i = 0; i < probe_count; i++) {
        if (probes[i] == probe) {
            probes[i] = probes[probe_count - 1];
            probes[probe_count - 1] = NULL;
            probe_count--;
            break;
        }
    }
    if (probe_count == 0 && handler_handle != NULL) {
        removed = wm__os.RemoveVectoredExceptionHandler(handler_handle);
        if (removed == 0) {
            error = GetLastError();
        } else {
            handler_handle = NULL;
        }
    }
    wm__os.ReleaseSRWLockExclusive(&lock);
    return error;
}

/* Calls the stub for probe->access. C cannot convert a data pointer to a function pointer,
 * so the stub's address is copied into one. */
static uint64_t run_stub(const probe_t *probe, unsigned char value)
{
    read_stub_fn read_fn = NULL;
    write_stub_fn write_fn = NULL;
    execute_stub_fn execute_fn = NULL;
    uintptr_t entry = 0;

    switch (probe->access) {
    case WM_PROBE_READ:
        entry = probe->stubs + READ_STUB_OFFSET;
        memcpy(&read_fn, &entry, sizeof read_fn);
        return read_fn((volatile void *)probe->target);
    case WM_PROBE_WRITE:
        entry = probe->stubs + WRITE_STUB_OFFSET;
        memcpy(&write_fn, &entry, sizeof write_fn);
        return write_fn((volatile void *)probe->target, value);
    case WM_PROBE_EXECUTE:
        entry = probe->stubs + EXECUTE_STUB_OFFSET;
        memcpy(&execute_fn, &entry, sizeof execute_fn);
        return execute_fn((void *)probe->target);
    }
    return PROBE_FAILED_MARKER;
}

DWORD wm_probe(wm_probe_access_t access, void *address, unsigned char value,
               wm_probe_result_t *result)
{
    SYSTEM_INFO system;
    probe_t probe;
    unsigned char *stubs = NULL;
    uint64_t returned = 0;
    BOOL released = FALSE;
    DWORD error = ERROR_SUCCESS;
    DWORD unregister_error = ERROR_SUCCESS;
    DWORD release_error = ERROR_SUCCESS;

    if (result == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(result, 0, sizeof *result);
    if (access != WM_PROBE_READ && access != WM_PROBE_WRITE && access != WM_PROBE_EXECUTE) {
        return ERROR_INVALID_PARAMETER;
    }
    wm__os.GetSystemInfo(&system);
    error = make_stubs(system.dwPageSize, &stubs);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    memset(&probe, 0, sizeof probe);
    probe.thread_id = wm__os.GetCurrentThreadId();
    probe.access = access;
    probe.target = (uintptr_t)address;
    probe.stubs = (uintptr_t)stubs;
    error = register_probe(&probe);
    if (error == ERROR_SUCCESS) {
        returned = run_stub(&probe, value);
        unregister_error = unregister_probe(&probe);
    }
    released = wm__os.VirtualFree(stubs, 0,     /* API rule: 0 with MEM_RELEASE */
                                  MEM_RELEASE); /* the whole stub page */
    if (!released) {
        release_error = GetLastError();
    }
    if (error != ERROR_SUCCESS) {
        return error;
    }
    if (probe.fired) {
        *result = probe.recorded;
    } else {
        result->outcome = WM_PROBE_DONE;
        result->value = returned;
    }
    if (unregister_error != ERROR_SUCCESS) {
        return unregister_error; /* the access ran and *result says how */
    }
    return release_error;
}

#else /* not x64 */

DWORD wm_probe(wm_probe_access_t access, void *address, unsigned char value,
               wm_probe_result_t *result)
{
    (void)access;
    (void)address;
    (void)value;
    if (result != NULL) {
        memset(result, 0, sizeof *result);
    }
    return ERROR_NOT_SUPPORTED; /* the handler would need this processor's registers */
}

#endif

SIZE_T wm_probe_live(void)
{
    SIZE_T count = 0;

    wm__os.AcquireSRWLockExclusive(&lock);
    count = probe_count;
    wm__os.ReleaseSRWLockExclusive(&lock);
    return count;
}

/* ---- Guard pages. ---- */

DWORD wm_guard_arm(void *address, SIZE_T size, DWORD *old_protect)
{
    DWORD current = 0;
    DWORD error = ERROR_SUCCESS;

    if (address == NULL || size == 0 || old_protect == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    error = wm_protect_query(address, &current);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    if ((current & BASE_MASK) == PAGE_NOACCESS) {
        return ERROR_INVALID_PARAMETER;
    }
    /* Creating Guard Pages: PAGE_GUARD is a modifier on top of the page's protection; the
     * first touch raises STATUS_GUARD_PAGE_VIOLATION and clears it. */
    return wm_protect_change(address, size, current | PAGE_GUARD, old_protect);
}

/* ---- Fenced blocks. ---- */

DWORD wm_fence_alloc(SIZE_T size, wm_fence_side_t side, wm_fence_t *fence)
{
    SYSTEM_INFO system;
    unsigned char *base = NULL;
    unsigned char *data = NULL;
    void *committed = NULL;
    SIZE_T page = 0;
    SIZE_T data_bytes = 0;
    SIZE_T reserved = 0;
    DWORD error = ERROR_SUCCESS;

    if (fence == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(fence, 0, sizeof *fence);
    if (size == 0 || (side != WM_FENCE_AFTER && side != WM_FENCE_BEFORE)) {
        return ERROR_INVALID_PARAMETER;
    }
    wm__os.GetSystemInfo(&system);
    page = system.dwPageSize;
    if (size > (SIZE_T)-1 - 2 * page) {
        return ERROR_ARITHMETIC_OVERFLOW; /* rounding up and the fence page must fit */
    }
    data_bytes = (size + page - 1) & ~(page - 1);
    reserved = data_bytes + page;
    base =
        (unsigned char *)wm__os.VirtualAlloc(NULL, reserved, MEM_RESERVE, /* address space only */
                                             PAGE_NOACCESS); /* the fence stays like this */
    if (base == NULL) {
        return GetLastError();
    }
    data = side == WM_FENCE_AFTER ? base : base + page;
    committed =
        wm__os.VirtualAlloc(data, data_bytes, MEM_COMMIT, /* the block's pages, zero-filled */
                            PAGE_READWRITE);              /* the block itself is ordinary memory */
    if (committed == NULL) {
        error = GetLastError();
        (void)wm__os.VirtualFree(base, 0, MEM_RELEASE); /* the first error is reported */
        return error;
    }
    fence->base = base;
    fence->reserved = reserved;
    fence->block = side == WM_FENCE_AFTER ? data + data_bytes - size : data;
    fence->size = size;
    fence->side = side;
    return ERROR_SUCCESS;
}

DWORD wm_fence_free(wm_fence_t *fence)
{
    SYSTEM_INFO system;
    unsigned char *data = NULL;
    SIZE_T page = 0;
    BOOL done = FALSE;

    if (fence == NULL || fence->base == NULL || fence->freed) {
        return ERROR_INVALID_PARAMETER;
    }
    wm__os.GetSystemInfo(&system);
    page = system.dwPageSize;
    data = fence->side == WM_FENCE_AFTER ? (unsigned char *)fence->base
                                         : (unsigned char *)fence->base + page;
    done = wm__os.VirtualFree(data, fence->reserved - page,
                              MEM_DECOMMIT); /* back to reserved: touches fault */
    if (!done) {
        return GetLastError();
    }
    fence->freed = 1;
    return ERROR_SUCCESS;
}

DWORD wm_fence_release(wm_fence_t *fence)
{
    BOOL done = FALSE;

    if (fence == NULL || fence->base == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    done = wm__os.VirtualFree(fence->base, 0, /* API rule: 0 with MEM_RELEASE */
                              MEM_RELEASE);   /* the whole reservation */
    if (!done) {
        return GetLastError();
    }
    memset(fence, 0, sizeof *fence);
    return ERROR_SUCCESS;
}

/* ---- Read-only after initialisation. ---- */

DWORD wm_readonly_create(SIZE_T size, wm_readonly_t *table)
{
    SYSTEM_INFO system;
    void *base = NULL;
    SIZE_T page = 0;
    SIZE_T rounded = 0;

    if (table == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(table, 0, sizeof *table);
    if (size == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    wm__os.GetSystemInfo(&system);
    page = system.dwPageSize;
    if (size > (SIZE_T)-1 - (page - 1)) {
        return ERROR_ARITHMETIC_OVERFLOW;
    }
    rounded = (size + page - 1) & ~(page - 1);
    base = wm__os.VirtualAlloc(NULL, rounded, MEM_RESERVE | MEM_COMMIT, /* pages of its own */
                               PAGE_READWRITE);                         /* writable until sealed */
    if (base == NULL) {
        return GetLastError();
    }
    table->base = base;
    table->size = rounded;
    return ERROR_SUCCESS;
}

DWORD wm_readonly_seal(wm_readonly_t *table)
{
    DWORD old_protect = 0;
    DWORD error = ERROR_SUCCESS;

    if (table == NULL || table->base == NULL || table->sealed) {
        return ERROR_INVALID_PARAMETER;
    }
    error = wm_protect_change(table->base, table->size, PAGE_READONLY, /* reads only, ever */
                              &old_protect);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    table->sealed = 1;
    return ERROR_SUCCESS;
}

DWORD wm_readonly_destroy(wm_readonly_t *table)
{
    BOOL done = FALSE;

    if (table == NULL || table->base == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    done = wm__os.VirtualFree(table->base, 0, /* API rule: 0 with MEM_RELEASE */
                              MEM_RELEASE);   /* the whole table */
    if (!done) {
        return GetLastError();
    }
    memset(table, 0, sizeof *table);
    return ERROR_SUCCESS;
}
