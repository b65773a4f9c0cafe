#!/usr/bin/python3
"""Parses a calendar file with Debian's python3-icalendar and prints one JSON object per event:
uid, summary, start (YYYY-MM-DD), end, and the alarms' triggers in seconds. Exits 1 when the
file is no calendar.

usage: ics_events.py FILE
"""
import json
import sys

import icalendar


def main():
    with open(sys.argv[1], 'rb') as f:
        cal = icalendar.Calendar.from_ical(f.read())
    if cal.name != 'VCALENDAR':
        print('not a VCALENDAR', file=sys.stderr)
        return 1
    print(json.dumps({'calendar': str(cal.get('X-WR-CALNAME', '')),
                      'version': str(cal.get('VERSION', ''))}, ensure_ascii=False))
    for ev in cal.walk('VEVENT'):
        alarms = [int(a.get('TRIGGER').dt.total_seconds()) for a in ev.walk('VALARM')]
        print(json.dumps({
            'uid': str(ev.get('UID')),
            'summary': str(ev.get('SUMMARY')),
            'start': ev.decoded('DTSTART').isoformat(),
            'end': ev.decoded('DTEND').isoformat(),
            'alarms': alarms,
        }, ensure_ascii=False))
    return 0


if __name__ == '__main__':
    sys.exit(main())
