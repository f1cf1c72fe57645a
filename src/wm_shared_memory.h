/*
 * wm_shared_memory.h - pagefile-backed sections with names, a security descriptor for the
 * current user only, and a small cross-process channel on shared memory.
 *
 * A section created without a file is backed by the page file: memory with a name. Every
 * process that opens it by name and maps a view of it (wm_view_map, wm_mapped_files.h)
 * sees the same pages.
 *
 * Rules these wrappers follow (Microsoft Learn: CreateFileMappingW, OpenFileMappingW,
 * "Creating Named Shared Memory", "File Mapping Security and Access Rights"):
 *  - A name that exists returns the existing object, with its own creator's security and
 *    size, and ERROR_ALREADY_EXISTS: the library refuses it (someone may squat the name).
 *  - OpenFileMappingW checks the rights asked for against the section's DACL: asking for
 *    more than it grants fails with ERROR_ACCESS_DENIED.
 *
 * The error model is the library's (wm_error.h). Handles and views left in a struct after a
 * failure are always the sentinels (NULL, INVALID_HANDLE_VALUE), so a close is always safe.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_SHARED_MEMORY_H
#define WM_SHARED_MEMORY_H

#include <stddef.h>
#include <stdint.h>
#include <windows.h>

#include "wm_mapped_files.h"

/* Longest section name the library makes or accepts, in characters, NUL included. */
#define WM_SECTION_NAME_MAX 96

/* A pagefile-backed section, named. Owned by the caller; release with wm_section_close. */
typedef struct wm_section_s
{
    HANDLE mapping;                    /* the section's handle, or NULL */
    ULONGLONG size;                    /* its size, or 0 when opened by name (not known) */
    wchar_t name[WM_SECTION_NAME_MAX]; /* "Local\winmem-..." */
} wm_section_t;

/*
 * Builds a security descriptor whose DACL allows the current user (the token's user SID)
 * exactly access, and nobody else anything. Free it with wm_security_free.
 */
DWORD wm_security_owner_only(DWORD access, PSECURITY_DESCRIPTOR *descriptor);

/* Frees a descriptor from wm_security_owner_only (LocalFree) and sets it to NULL. */
DWORD wm_security_free(PSECURITY_DESCRIPTOR *descriptor);

/* Writes a fresh name "Local\winmem-PID-COUNTER-TICKS" into name (capacity characters):
 * unique on this machine, not secret (a squatter can guess it). */
DWORD wm_section_unique_name(wchar_t *name, size_t capacity);

/*
 * Creates a pagefile-backed section of size bytes named name (NULL: a unique Local\
 * name), committed (SEC_COMMIT) or, with reserve_only, reserved (SEC_RESERVE: commit
 * pages with wm_section_commit before use). Other opens by name get at most
 * granted_access (FILE_MAP_* rights): the descriptor grants the current user only.
 * A name that already exists is not reused: ERROR_ALREADY_EXISTS (someone may squat it).
 */
DWORD wm_section_create(const wchar_t *name, ULONGLONG size, int reserve_only, DWORD granted_access,
                        wm_section_t *section);

/* Opens a named section with access (FILE_MAP_*); size is then 0 (not known). */
DWORD wm_section_open(const wchar_t *name, DWORD access, wm_section_t *section);

/* Closes the section handle; views stay valid until unmapped. */
DWORD wm_section_close(wm_section_t *section);

/* Commits [offset, offset + length) of a SEC_RESERVE section's view (VirtualAlloc with
 * MEM_COMMIT inside the view: the pages become usable in every process's view). */
DWORD wm_section_commit(const wm_view_t *view, SIZE_T offset, SIZE_T length);

/* FNV-1a, 32 bits: the channel's checksum, public so both ends can check a transcript. */
uint32_t wm_checksum(const void *bytes, SIZE_T length, uint32_t seed);

/* The seed for a first wm_checksum call. */
#define WM_CHECKSUM_SEED 2166136261u

/* A one-slot, one-direction message channel on a named section: a header (state,
 * sequence, length, checksum) and the payload, a named mutex around every access, and two
 * auto-reset events that say "filled" and "emptied". */
typedef struct wm_channel_s
{
    wm_section_t section;    /* the shared memory */
    wm_view_t view;          /* this process's view of it */
    HANDLE lock;             /* the mutex; a writer that dies holding it abandons it */
    HANDLE filled;           /* set after a message is complete */
    HANDLE emptied;          /* set after a message was taken */
    SIZE_T capacity;         /* payload bytes a message may have */
    ULONGLONG next_sequence; /* the sequence number the next message carries */
    int writing;             /* 1 between wm_channel_begin and wm_channel_commit */
} wm_channel_t;

/* Creates a channel with room for capacity bytes per message, under a unique name
 * (channel->section.name), owner-only. */
DWORD wm_channel_create(SIZE_T capacity, wm_channel_t *channel);

/* Opens the channel another process created under name. */
DWORD wm_channel_open(const wchar_t *name, wm_channel_t *channel);

/* Unmaps and closes everything; each release checked, the first error returned. */
DWORD wm_channel_close(wm_channel_t *channel);

/*
 * The two halves of a send. begin waits (up to timeout_ms) for the slot to be empty,
 * takes the mutex, marks the slot "writing" and gives the payload area; commit stores
 * length, sequence and checksum, marks it "full", releases the mutex and signals. A writer
 * that dies between them leaves the mutex abandoned and the slot "writing": the reader
 * sees a torn message (ERROR_ABANDONED_WAIT_0) and never its bytes.
 */
DWORD wm_channel_begin(wm_channel_t *channel, DWORD timeout_ms, unsigned char **payload);
DWORD wm_channel_commit(wm_channel_t *channel, SIZE_T length);

/* begin, copy, commit. */
DWORD wm_channel_send(wm_channel_t *channel, const void *bytes, SIZE_T length, DWORD timeout_ms);

/*
 * Waits (up to timeout_ms) for a complete message and copies it into buffer. Errors:
 * WAIT_TIMEOUT (258) nothing came; ERROR_ABANDONED_WAIT_0 (735) the writer died in the
 * middle of a message (the slot is emptied, the bytes never used); ERROR_CRC (23) the
 * checksum does not match; ERROR_INVALID_DATA a sequence number out of order;
 * ERROR_INSUFFICIENT_BUFFER the message is larger than capacity (it stays in the slot).
 */
DWORD wm_channel_receive(wm_channel_t *channel, void *buffer, SIZE_T capacity, SIZE_T *length,
                         DWORD timeout_ms);

#endif /* WM_SHARED_MEMORY_H */
