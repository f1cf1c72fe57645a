#!/bin/sh
# doxygen-filter.sh FILE: prints FILE with its plain C comments made Doxygen comments, so the
# library's headers stay ordinary C for the reader and still document the API:
#   a block comment opening a line ("/*" or "/* text") documents what follows it;
#   a comment after a member or enumerator ("; /* text" or ", /* text") documents that member.
# Doxygen runs it on each header (INPUT_FILTER); the headers themselves are never changed.
sed -e 's|^\( *\)/\*$|\1/**|' -e 's|^\( *\)/\* |\1/** |' -e 's|\([;,{]\) */\* |\1 /**< |' "$1"
