// Debian's libhiredis-dev (0.14) installs its headers under hiredis/.
#include <hiredis/hiredis.h>
