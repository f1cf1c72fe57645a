/*
 * shared_memory.c - named pagefile-backed sections, a security descriptor for the current
 * user only, and a shared-memory channel between processes.
 *
 * Rules, from Microsoft Learn (CreateFileMappingW, OpenFileMappingW,
 * "File Mapping Security and Access Rights", "Creating Named Shared Memory",
 * "Kernel Object Namespaces", "Mutex Objects", WaitForSingleObject):
 *  - CreateFileMappingW fails with NULL (not INVALID_HANDLE_VALUE); a name that exists
 *    returns the existing object and ERROR_ALREADY_EXISTS.
 *  - A mutex whose owner ends without releasing it is abandoned: the next wait returns
 *    WAIT_ABANDONED and owns it; the data it guarded may be inconsistent.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_shared_memory.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "wm_os.h"

/* Slot states in the channel header. */
#define SLOT_EMPTY 0   /* nothing to read: a writer may begin */
#define SLOT_WRITING 1 /* a writer holds the mutex and is filling the payload */
#define SLOT_FULL 2    /* a complete message waits for the reader */

/* The channel's header, at the start of the section; the payload follows it. */
typedef struct channel_header_s
{
    volatile LONG state; /* SLOT_* */
    ULONG capacity;      /* payload bytes, written once by the creator */
    ULONGLONG sequence;  /* the message's number, from 1 */
    ULONGLONG length;    /* the message's length */
    ULONG checksum;      /* wm_checksum of the sequence, then the payload */
    ULONG reserved;      /* keeps the payload 8-byte aligned */
} channel_header_t;

/* Rights each named object of a channel grants its creator's user on open by name: what
 * the other end needs, nothing more ("Synchronization Object Security and Access Rights"). */
#define CHANNEL_SECTION_RIGHTS (FILE_MAP_READ | FILE_MAP_WRITE)
#define CHANNEL_MUTEX_RIGHTS (SYNCHRONIZE | MUTEX_MODIFY_STATE)
#define CHANNEL_EVENT_RIGHTS (SYNCHRONIZE | EVENT_MODIFY_STATE)

/* Longest SDDL string wm_security_owner_only writes: "D:P(A;;0x........;;;" + a SID
 * (at most 184 characters for 15 sub-authorities) + ")". */
#define SDDL_MAX 256

/* A channel object's name: the section's name, "-", and the longest suffix ("emptied"). */
#define OBJECT_NAME_MAX (WM_SECTION_NAME_MAX + 8)

/* The largest channel payload: the header's 32-bit capacity field. */
#define CHANNEL_CAPACITY_MAX 0x7FFFFFFFu

/* A channel's view before it is mapped and after it is unmapped. */
static void view_reset(wm_view_t *view)
{
    view->base = NULL;
    view->data = NULL;
    view->length = 0;
    view->offset = 0;
}

/* ---- Security: a descriptor for the current user only ---- */

DWORD wm_security_owner_only(DWORD access, PSECURITY_DESCRIPTOR *descriptor)
{
    HANDLE token = NULL;
    union
    {
        TOKEN_USER user;
        BYTE bytes[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } token_user; /* TOKEN_USER followed by the SID it points to */
    DWORD returned = 0;
    wchar_t *sid_text = NULL;
    wchar_t sddl[SDDL_MAX];
    PSECURITY_DESCRIPTOR built = NULL;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;
    HLOCAL left = NULL;
    int written = 0;

    if (descriptor == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *descriptor = NULL;
    if (access == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    ok = wm__os.OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, /* read the user only */
                                 &token);
    if (!ok) {
        return GetLastError();
    }
    ok = wm__os.GetTokenInformation(token, TokenUser, &token_user, sizeof token_user, &returned);
    if (!ok) {
        error = GetLastError();
        goto cleanup;
    }
    ok = wm__os.ConvertSidToStringSidW(token_user.user.User.Sid, &sid_text);
    if (!ok) {
        error = GetLastError();
        goto cleanup;
    }
    /* SDDL: "D:P" a protected DACL (no inherited entries), one ACE: A(llow) access to the
     * user's SID. Nobody else is listed, so nobody else gets anything
     * ("Security Descriptor String Format", "ACE Strings"). */
    written = swprintf(sddl, SDDL_MAX, L"D:P(A;;0x%08lx;;;%ls)", (unsigned long)access, sid_text);
    if (written < 0 || written >= SDDL_MAX) {
        error = ERROR_INSUFFICIENT_BUFFER;
        goto cleanup;
    }
    ok = wm__os.ConvertStringSecurityDescriptorToSecurityDescriptorW(
        sddl, SDDL_REVISION_1, /* the only revision */
        &built, NULL);         /* NULL: the size is not needed */
    if (!ok) {
        error = GetLastError();
        goto cleanup;
    }
    *descriptor = built;

cleanup:
    if (sid_text != NULL) {
        left = wm__os.LocalFree(sid_text); /* ConvertSidToStringSidW: the caller frees it */
        if (left != NULL && error == ERROR_SUCCESS) {
            error = GetLastError();
        }
    }
    ok = wm__os.CloseHandle(token);
    if (!ok && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    if (error != ERROR_SUCCESS && *descriptor != NULL) {
        (void)wm_security_free(descriptor); /* the first error is the one to report */
    }
    return error;
}

DWORD wm_security_free(PSECURITY_DESCRIPTOR *descriptor)
{
    HLOCAL left = NULL;

    if (descriptor == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    if (*descriptor == NULL) {
        return ERROR_SUCCESS;
    }
    left = wm__os.LocalFree(*descriptor); /* NULL on success, the handle on failure */
    if (left != NULL) {
        return GetLastError();
    }
    *descriptor = NULL;
    return ERROR_SUCCESS;
}

/* ---- Named sections ---- */

DWORD wm_section_unique_name(wchar_t *name, size_t capacity)
{
    static volatile LONG counter = 0;
    LONG serial = InterlockedIncrement(&counter);
    LARGE_INTEGER ticks;
    int written = 0;

    if (name == NULL || capacity == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    /* Process ID, a per-process counter and the performance counter: unique on this
     * machine, but not secret: another program of this user can guess it and create it
     * first. wm_section_create refuses a name that exists, which turns such a squat into a
     * denial of service, not a hijack; only no name (inheritance, DuplicateHandle) or a
     * private namespace keeps squatters out. Neither call can fail (Windows XP and later),
     * so they are not in the OS table. */
    (void)QueryPerformanceCounter(&ticks);
    written = swprintf(name, capacity, L"Local\\winmem-%lu-%ld-%llx",
                       (unsigned long)GetCurrentProcessId(), (long)serial,
                       (unsigned long long)ticks.QuadPart);
    /* swprintf's result on truncation differs between C runtimes: check both forms. */
    if (written < 0 || (size_t)written >= capacity) {
        name[0] = L'\0';
        return ERROR_INSUFFICIENT_BUFFER;
    }
    return ERROR_SUCCESS;
}

static void section_reset(wm_section_t *section)
{
    section->mapping = NULL;
    section->size = 0;
    section->name[0] = L'\0';
}

static DWORD copy_name(const wchar_t *name, wchar_t *copy)
{
    size_t length = wcslen(name);

    if (length == 0 || length >= WM_SECTION_NAME_MAX) {
        return ERROR_INVALID_PARAMETER;
    }
    memcpy(copy, name, (length + 1) * sizeof name[0]);
    return ERROR_SUCCESS;
}

DWORD wm_section_create(const wchar_t *name, ULONGLONG size, int reserve_only, DWORD granted_access,
                        wm_section_t *section)
{
    SECURITY_ATTRIBUTES security;
    PSECURITY_DESCRIPTOR descriptor = NULL;
    HANDLE mapping = NULL;
    DWORD protect = PAGE_READWRITE;
    DWORD error = ERROR_SUCCESS;
    DWORD release_error = ERROR_SUCCESS;
    BOOL ok = FALSE;
    int existed = 0;

    if (section == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    section_reset(section);
    /* CreateFileMappingW: a pagefile-backed section must have a non-zero size. */
    if (size == 0 || granted_access == 0 ||
        (granted_access & ~(DWORD)(FILE_MAP_ALL_ACCESS | FILE_MAP_EXECUTE)) != 0) {
        return ERROR_INVALID_PARAMETER;
    }
    if (name == NULL) {
        error = wm_section_unique_name(section->name, WM_SECTION_NAME_MAX);
    } else {
        error = copy_name(name, section->name);
    }
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_security_owner_only(granted_access, &descriptor);
    if (error != ERROR_SUCCESS) {
        section_reset(section);
        return error;
    }
    security.nLength = sizeof security;
    security.lpSecurityDescriptor = descriptor;
    security.bInheritHandle = FALSE;      /* children open it by name, not by inheritance */
    protect |= reserve_only ? SEC_RESERVE /* address space only: commit before use */
                            : SEC_COMMIT; /* every page charged and usable now */
    mapping = wm__os.CreateFileMappingW(INVALID_HANDLE_VALUE, /* no file: the page file */
                                        &security, protect, (DWORD)(size >> 32),
                                        (DWORD)(size & 0xFFFFFFFFu), section->name);
    if (mapping == NULL) {
        error = GetLastError();
        goto cleanup;
    }
    /* Read on the line after the call: an existing object came back, with its own creator's
     * security and size. Never trust it: someone may have squatted the name. */
    existed = GetLastError() == ERROR_ALREADY_EXISTS;
    if (existed) {
        error = ERROR_ALREADY_EXISTS;
        ok = wm__os.CloseHandle(mapping);
        if (!ok) {
            error = GetLastError();
        }
        goto cleanup;
    }
    section->mapping = mapping;
    section->size = size;

cleanup:
    release_error = wm_security_free(&descriptor); /* the object keeps its own copy */
    if (error == ERROR_SUCCESS && release_error != ERROR_SUCCESS) {
        error = release_error;
        (void)wm_section_close(section);
    }
    if (error != ERROR_SUCCESS) {
        section_reset(section);
    }
    return error;
}

DWORD wm_section_open(const wchar_t *name, DWORD access, wm_section_t *section)
{
    HANDLE mapping = NULL;
    DWORD error = ERROR_SUCCESS;

    if (section == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    section_reset(section);
    if (name == NULL || access == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    error = copy_name(name, section->name);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    /* OpenFileMappingW checks access against the section's DACL: asking for more than it
     * grants fails with ERROR_ACCESS_DENIED. */
    mapping = wm__os.OpenFileMappingW(access, FALSE, /* not inherited by children */
                                      section->name);
    if (mapping == NULL) {
        error = GetLastError();
        section_reset(section);
        return error;
    }
    section->mapping = mapping;
    return ERROR_SUCCESS;
}

DWORD wm_section_close(wm_section_t *section)
{
    BOOL ok = FALSE;

    if (section == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    if (section->mapping != NULL) {
        ok = wm__os.CloseHandle(section->mapping);
        if (!ok) {
            return GetLastError();
        }
    }
    section_reset(section);
    return ERROR_SUCCESS;
}

DWORD wm_section_commit(const wm_view_t *view, SIZE_T offset, SIZE_T length)
{
    void *committed = NULL;

    if (view == NULL || view->data == NULL || length == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    if (view->length != 0 && (offset > view->length || length > view->length - offset)) {
        return ERROR_INVALID_PARAMETER;
    }
    /* CreateFileMappingW, SEC_RESERVE: a view's reserved pages are committed later with
     * VirtualAlloc(MEM_COMMIT); they cannot be decommitted again. */
    committed = wm__os.VirtualAlloc(view->data + offset, length, MEM_COMMIT, /* charge now */
                                    PAGE_READWRITE); /* the section's protection */
    if (committed == NULL) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

/* ---- The channel ---- */

uint32_t wm_checksum(const void *bytes, SIZE_T length, uint32_t seed)
{
    const unsigned char *byte = (const unsigned char *)bytes;
    uint32_t hash = seed;
    SIZE_T i = 0;

    for (i = 0; i < length; i++) {
        hash ^= byte[i];
        hash *= 16777619u; /* the 32-bit FNV prime */
    }
    return hash;
}

static void channel_reset(wm_channel_t *channel)
{
    section_reset(&channel->section);
    view_reset(&channel->view);
    channel->lock = NULL;
    channel->filled = NULL;
    channel->emptied = NULL;
    channel->capacity = 0;
    channel->next_sequence = 1;
    channel->writing = 0;
}

/* The name of the channel's mutex or event: the section's name and a suffix. */
static DWORD object_name(const wchar_t *section_name, const wchar_t *suffix, wchar_t *name)
{
    int written = swprintf(name, OBJECT_NAME_MAX, L"%ls-%ls", section_name, suffix);

    return written < 0 || written >= OBJECT_NAME_MAX ? ERROR_INSUFFICIENT_BUFFER : ERROR_SUCCESS;
}

static channel_header_t *header_of(const wm_channel_t *channel)
{
    return (channel_header_t *)channel->view.data;
}

/* Creates (create != 0) or opens the mutex and the two events. */
static DWORD channel_objects(wm_channel_t *channel, int create)
{
    SECURITY_ATTRIBUTES security;
    PSECURITY_DESCRIPTOR descriptor = NULL;
    wchar_t name[OBJECT_NAME_MAX];
    HANDLE *targets[3];
    const wchar_t *suffixes[3] = {L"lock", L"filled", L"emptied"};
    DWORD rights[3] = {CHANNEL_MUTEX_RIGHTS, CHANNEL_EVENT_RIGHTS, CHANNEL_EVENT_RIGHTS};
    DWORD last_error = ERROR_SUCCESS;
    DWORD error = ERROR_SUCCESS;
    DWORD release_error = ERROR_SUCCESS;
    size_t i = 0;

    targets[0] = &channel->lock;
    targets[1] = &channel->filled;
    targets[2] = &channel->emptied;
    for (i = 0; i < 3 && error == ERROR_SUCCESS; i++) {
        error = object_name(channel->section.name, suffixes[i], name);
        if (error != ERROR_SUCCESS) {
            break;
        }
        if (!create) {
            if (i == 0) {
                *targets[i] = wm__os.OpenMutexW(rights[i], FALSE, name); /* not inherited */
            } else {
                *targets[i] = wm__os.OpenEventW(rights[i], FALSE, name); /* not inherited */
            }
            if (*targets[i] == NULL) {
                error = GetLastError();
            }
            continue;
        }
        error = wm_security_owner_only(rights[i], &descriptor);
        if (error != ERROR_SUCCESS) {
            break;
        }
        security.nLength = sizeof security;
        security.lpSecurityDescriptor = descriptor;
        security.bInheritHandle = FALSE;
        if (i == 0) {
            *targets[i] = wm__os.CreateMutexW(&security, FALSE, /* nobody owns it yet */
                                              name);
        } else {
            *targets[i] = wm__os.CreateEventW(&security, FALSE, /* auto-reset: wakes one */
                                              FALSE,            /* not signalled yet */
                                              name);
        }
        last_error = GetLastError(); /* on the line after the call */
        if (*targets[i] == NULL) {
            error = last_error;
        } else if (last_error == ERROR_ALREADY_EXISTS) {
            error = ERROR_ALREADY_EXISTS; /* a squatter's object: do not use it */
        }
        release_error = wm_security_free(&descriptor);
        if (error == ERROR_SUCCESS) {
            error = release_error;
        }
    }
    return error;
}

/* Releases what a channel holds, in reverse order; the first error wins. */
static DWORD channel_release(wm_channel_t *channel)
{
    HANDLE *handles[3];
    DWORD error = ERROR_SUCCESS;
    DWORD release_error = ERROR_SUCCESS;
    BOOL ok = FALSE;
    size_t i = 0;

    handles[0] = &channel->emptied;
    handles[1] = &channel->filled;
    handles[2] = &channel->lock;
    for (i = 0; i < 3; i++) {
        if (*handles[i] != NULL) {
            ok = wm__os.CloseHandle(*handles[i]);
            if (!ok && error == ERROR_SUCCESS) {
                error = GetLastError();
            }
            *handles[i] = NULL;
        }
    }
    release_error = wm_view_unmap(&channel->view);
    if (error == ERROR_SUCCESS) {
        error = release_error;
    }
    view_reset(&channel->view);
    release_error = wm_section_close(&channel->section);
    if (error == ERROR_SUCCESS) {
        error = release_error;
    }
    channel_reset(channel);
    return error;
}

DWORD wm_channel_create(SIZE_T capacity, wm_channel_t *channel)
{
    channel_header_t *header = NULL;
    ULONGLONG size = 0;
    DWORD error = ERROR_SUCCESS;

    if (channel == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    channel_reset(channel);
    if (capacity == 0 || capacity > CHANNEL_CAPACITY_MAX) {
        return ERROR_INVALID_PARAMETER;
    }
    size = (ULONGLONG)sizeof(channel_header_t) + capacity;
    error = wm_section_create(NULL, size, 0, CHANNEL_SECTION_RIGHTS, &channel->section);
    if (error == ERROR_SUCCESS) {
        error =
            wm_view_map(channel->section.mapping, FILE_MAP_WRITE, 0, (SIZE_T)size, &channel->view);
    }
    if (error == ERROR_SUCCESS) {
        error = channel_objects(channel, 1);
    }
    if (error != ERROR_SUCCESS) {
        (void)channel_release(channel); /* the first error is the one to report */
        return error;
    }
    header = header_of(channel);
    header->capacity = (ULONG)capacity; /* a new section is zero: state SLOT_EMPTY */
    channel->capacity = capacity;
    return ERROR_SUCCESS;
}

DWORD wm_channel_open(const wchar_t *name, wm_channel_t *channel)
{
    DWORD error = ERROR_SUCCESS;

    if (channel == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    channel_reset(channel);
    if (name == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    error = wm_section_open(name, CHANNEL_SECTION_RIGHTS, &channel->section);
    if (error == ERROR_SUCCESS) {
        error = wm_view_map(channel->section.mapping, FILE_MAP_WRITE, 0, 0, /* 0: all */
                            &channel->view);
    }
    if (error == ERROR_SUCCESS) {
        error = channel_objects(channel, 0);
    }
    if (error != ERROR_SUCCESS) {
        (void)channel_release(channel);
        return error;
    }
    channel->capacity = header_of(channel)->capacity;
    channel->view.length = sizeof(channel_header_t) + channel->capacity;
    return ERROR_SUCCESS;
}

DWORD wm_channel_close(wm_channel_t *channel)
{
    if (channel == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    return channel_release(channel);
}

/* Takes the mutex. *abandoned is 1 when its previous owner ended while holding it. */
static DWORD channel_lock(wm_channel_t *channel, DWORD timeout_ms, int *abandoned)
{
    DWORD waited = wm__os.WaitForSingleObject(channel->lock, timeout_ms);

    *abandoned = 0;
    if (waited == WAIT_OBJECT_0) {
        return ERROR_SUCCESS;
    }
    if (waited == WAIT_ABANDONED) {
        *abandoned = 1; /* we own it now; what it guarded may be half-written */
        return ERROR_SUCCESS;
    }
    if (waited == WAIT_TIMEOUT) {
        return WAIT_TIMEOUT;
    }
    return GetLastError();
}

static DWORD channel_unlock(wm_channel_t *channel)
{
    BOOL ok = wm__os.ReleaseMutex(channel->lock);

    if (!ok) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

/* Waits on event for at most the time left before deadline (GetTickCount64 cannot fail). */
static DWORD channel_wait(HANDLE event, ULONGLONG deadline, DWORD timeout_ms)
{
    ULONGLONG now = GetTickCount64();
    DWORD left = INFINITE;
    DWORD waited = 0;

    if (timeout_ms != INFINITE) {
        if (now >= deadline) {
            return WAIT_TIMEOUT;
        }
        left = (DWORD)(deadline - now);
    }
    waited = wm__os.WaitForSingleObject(event, left);
    if (waited == WAIT_OBJECT_0 || waited == WAIT_TIMEOUT) {
        return ERROR_SUCCESS; /* look at the slot again either way; the deadline decides */
    }
    return GetLastError();
}

DWORD wm_channel_begin(wm_channel_t *channel, DWORD timeout_ms, unsigned char **payload)
{
    channel_header_t *header = NULL;
    ULONGLONG deadline = 0;
    int abandoned = 0;
    DWORD error = ERROR_SUCCESS;

    if (payload == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *payload = NULL;
    if (channel == NULL || channel->view.data == NULL || channel->writing) {
        return ERROR_INVALID_PARAMETER;
    }
    header = header_of(channel);
    deadline = GetTickCount64() + timeout_ms;
    for (;;) {
        error = channel_lock(channel, timeout_ms, &abandoned);
        if (error != ERROR_SUCCESS) {
            return error;
        }
        /* An abandoned "writing" slot is a dead writer's: this writer may overwrite it. */
        if (header->state == SLOT_EMPTY || header->state == SLOT_WRITING) {
            break;
        }
        error = channel_unlock(channel);
        if (error == ERROR_SUCCESS) {
            error = channel_wait(channel->emptied, deadline, timeout_ms);
        }
        if (error != ERROR_SUCCESS) {
            return error;
        }
    }
    header->state = SLOT_WRITING; /* from here until commit the payload is not a message */
    channel->writing = 1;
    *payload = channel->view.data + sizeof(channel_header_t);
    return ERROR_SUCCESS;
}

DWORD wm_channel_commit(wm_channel_t *channel, SIZE_T length)
{
    channel_header_t *header = NULL;
    ULONGLONG sequence = 0;
    uint32_t checksum = WM_CHECKSUM_SEED;
    DWORD error = ERROR_SUCCESS;
    BOOL signalled = FALSE;

    if (channel == NULL || !channel->writing) {
        return ERROR_INVALID_PARAMETER;
    }
    header = header_of(channel);
    if (length > channel->capacity) {
        length = 0; /* refuse, but leave the slot consistent: an empty message */
        error = ERROR_INVALID_PARAMETER;
    }
    sequence = channel->next_sequence;
    checksum = wm_checksum(&sequence, sizeof sequence, checksum);
    checksum = wm_checksum(channel->view.data + sizeof(channel_header_t), length, checksum);
    header->sequence = sequence;
    header->length = length;
    header->checksum = checksum;
    MemoryBarrier(); /* the fields above are visible before the state says "full" */
    header->state = SLOT_FULL;
    channel->next_sequence++;
    channel->writing = 0;
    if (error == ERROR_SUCCESS) {
        error = channel_unlock(channel);
    } else {
        (void)channel_unlock(channel);
    }
    if (error != ERROR_SUCCESS) {
        return error;
    }
    signalled = wm__os.SetEvent(channel->filled); /* wakes the reader */
    if (!signalled) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

DWORD wm_channel_send(wm_channel_t *channel, const void *bytes, SIZE_T length, DWORD timeout_ms)
{
    unsigned char *payload = NULL;
    DWORD error = ERROR_SUCCESS;

    if (channel == NULL || (bytes == NULL && length != 0) || length > channel->capacity) {
        return ERROR_INVALID_PARAMETER;
    }
    error = wm_channel_begin(channel, timeout_ms, &payload);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    if (length != 0) {
        memcpy(payload, bytes, length);
    }
    return wm_channel_commit(channel, length);
}

/* Takes a full slot's message under the lock, or reports why it cannot be used. */
static DWORD channel_take(wm_channel_t *channel, void *buffer, SIZE_T capacity, SIZE_T *length)
{
    channel_header_t *header = header_of(channel);
    uint32_t checksum = WM_CHECKSUM_SEED;
    ULONGLONG sequence = header->sequence;

    if (header->length > channel->capacity) {
        return ERROR_CRC; /* a length no writer could have stored */
    }
    if (header->length > capacity) {
        return ERROR_INSUFFICIENT_BUFFER;
    }
    checksum = wm_checksum(&sequence, sizeof sequence, checksum);
    checksum = wm_checksum(channel->view.data + sizeof(channel_header_t), (SIZE_T)header->length,
                           checksum);
    if (checksum != header->checksum) {
        header->state = SLOT_EMPTY;
        return ERROR_CRC;
    }
    header->state = SLOT_EMPTY;
    if (sequence != channel->next_sequence) {
        channel->next_sequence = sequence + 1;
        return ERROR_INVALID_DATA; /* a message was lost or repeated */
    }
    memcpy(buffer, channel->view.data + sizeof(channel_header_t), (SIZE_T)header->length);
    *length = (SIZE_T)header->length;
    channel->next_sequence++;
    return ERROR_SUCCESS;
}

DWORD wm_channel_receive(wm_channel_t *channel, void *buffer, SIZE_T capacity, SIZE_T *length,
                         DWORD timeout_ms)
{
    channel_header_t *header = NULL;
    ULONGLONG deadline = 0;
    int abandoned = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD unlock_error = ERROR_SUCCESS;
    int emptied = 0;
    BOOL signalled = FALSE;

    if (length == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *length = 0;
    if (channel == NULL || channel->view.data == NULL || (buffer == NULL && capacity != 0)) {
        return ERROR_INVALID_PARAMETER;
    }
    header = header_of(channel);
    deadline = GetTickCount64() + timeout_ms;
    for (;;) {
        error = channel_lock(channel, timeout_ms, &abandoned);
        if (error != ERROR_SUCCESS) {
            return error;
        }
        if (header->state == SLOT_WRITING) {
            /* We hold the mutex, so no live writer is inside its message: its writer died
             * between begin and commit. Empty the slot; never use the bytes. */
            header->state = SLOT_EMPTY;
            error = ERROR_ABANDONED_WAIT_0;
            break;
        }
        if (header->state == SLOT_FULL) {
            error = channel_take(channel, buffer, capacity, length);
            break;
        }
        error = channel_unlock(channel);
        if (error == ERROR_SUCCESS) {
            error = channel_wait(channel->filled, deadline, timeout_ms);
        }
        if (error != ERROR_SUCCESS) {
            return error;
        }
    }
    (void)abandoned; /* the slot's state, not the mutex, says whether a message is torn */
    emptied = header->state == SLOT_EMPTY; /* read under the lock */
    unlock_error = channel_unlock(channel);
    if (error == ERROR_SUCCESS) {
        error = unlock_error;
    }
    if (emptied) {
        signalled = wm__os.SetEvent(channel->emptied); /* a waiting writer may go on */
        if (!signalled && error == ERROR_SUCCESS) {
            error = GetLastError();
        }
    }
    return error;
}
