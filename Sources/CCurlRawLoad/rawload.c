#include "rawload.h"
