#!/bin/sh
# Lists the merged changes since the last tag, one per line.
git log --merges --format='%s' "$(git describe --tags --abbrev=0)..HEAD"
