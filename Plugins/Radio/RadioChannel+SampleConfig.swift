extension RadioChannel {
    /// The channel's keys, as a commented configuration section (also in Plugins/Radio/README.md).
    public static let sampleConfig = """
        # Bản tin for commune loudspeaker stations (Đài truyền thanh cấp xã). The engine's
        # slots/quiet_hours are refused here: each station has its own slots below.
        radio-moc-chau:
          type: radio
          reading_rate: 200                  # syllables a minute, for the duration estimates (60-400)
          southern: false                    # true: southern number forms (một trăm lẻ năm, hai ngàn)
          document_symbol: omit              # 05/KH-UBND: omit (số năm) | expand (số năm kế hoạch Ủy ban nhân dân) | spell
          # dictionary: radio/tu-dien.txt    # optional: abbreviations added to the built-in ones (KEY = reading)
          lead_time: 10m                     # a slot's bulletin closes this long before the slot starts
          slot_duration: 15m                 # the maximum duration of a slot written without one
          docx: true                         # the announcer's printable .docx (Times New Roman 14 pt)
          audio: none                        # none | wav (espeak-ng) | mp3 (espeak-ng + lame); checked at load
          voice: vi                          # the espeak-ng voice
          stations:
            - id: tan-lap                    # names the station's files: lowercase letters, digits, hyphens
              name: Đài truyền thanh xã Tân Lập   # read in the opening
              commune: xã Tân Lập, huyện Mộc Châu
              unit: UBND xã Tân Lập            # reports count its bulletins for this unit (default: the commune)
              slots: ["06:00/15m", "17:00/20m"]   # start/maximum duration; items that do not fit move on
              folder: /var/lib/cchcd/radio/tan-lap   # <date>-<time>.txt/.docx/.wav/.mp3, then .manifest.json
            - id: hua-la
              name: Đài truyền thanh xã Hua La
              slots: ["06:30/10m", "18:00/15m"]
              upload:                          # instead of folder: ftp://, ftps://, sftp://, http(s):// (PUT or POST)
                url: ftp://ftp.mocchau.example.vn/dai/hua-la/
                username: dai-hua-la
                password_file: /run/credentials/cchcd.service/ftp-hua-la   # or password_credential / password_env
                # method: PUT                  # http(s) only: PUT (to url + file name, default) or POST (to url)
                # sftp:// only: the server's host key (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the server),
                # required (or known_hosts: FILE) so that the password never goes to an impostor:
                # host_key_sha256: "SHA256:VmHb4q/U0Mv9z96OdlBNHqxULotM7SrmNe87Hi700i4"
                # private_key_file: /etc/cchcd/radio-key   # public-key login instead of the password
        """
}
