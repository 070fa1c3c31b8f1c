<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="nb_NO" sourcelanguage="en">
    <context>
        <name>Actions</name>
        <message>
            <source>Dropped from the queue: acknowledge the alert; the shift lead resolves it</source>
            <translation>Falt ut av køen: kvitter varselet, vaktleder løser det</translation>
        </message>
        <message>
            <source>Dropped from the queue: resolve the alert first</source>
            <translation>Falt ut av køen: løs varselet først</translation>
        </message>
        <message>
            <source>Assign &amp;room</source>
            <translation>Tildel &amp;rom</translation>
        </message>
        <message>
            <source>Assign &amp;nurse</source>
            <translation>Tildel &amp;sykepleier</translation>
        </message>
        <message>
            <source>Assign &amp;doctor</source>
            <translation>Tildel &amp;lege</translation>
        </message>
        <message>
            <source>Set &amp;triage</source>
            <translation>Sett &amp;triage</translation>
        </message>
        <message>
            <source>Change &amp;state</source>
            <translation>&amp;Endre status</translation>
        </message>
        <message>
            <source>&amp;Finish visit</source>
            <translation>&amp;Avslutt besøket</translation>
        </message>
    </context>
    <context>
        <name>AlertBanner</name>
        <message>
            <source>DROPPED FROM QUEUE: {patient}</source>
            <translation>FALT UT AV KØEN: {patient}</translation>
        </message>
        <message>
            <source>NOT IN QUEUE: {patient}</source>
            <translation>IKKE I KØEN: {patient}</translation>
        </message>
        <message>
            <source>THE LIST MAY BE OUT OF DATE: no complete update from the platform</source>
            <translation>LISTEN KAN VÆRE UTDATERT: ingen komplett oppdatering fra plattformen</translation>
        </message>
        <message>
            <source>Journal note not delivered: {patient}</source>
            <translation>Journalnotat ikke levert: {patient}</translation>
        </message>
        <message>
            <source>Journal note rejected by the recipient: {patient}</source>
            <translation>Journalnotat avvist av mottaker: {patient}</translation>
        </message>
        <message>
            <source>Change not saved on the platform: {patient}</source>
            <translation>Endring ikke lagret på plattformen: {patient}</translation>
        </message>
        <message>
            <source>Change conflicts with someone else's: {patient}</source>
            <translation>Endringen kolliderer med en annens: {patient}</translation>
        </message>
        <message>
            <source>raised {time}</source>
            <translation>oppdaget {time}</translation>
        </message>
        <message>
            <source>gone from the queue list, visit still active</source>
            <translation>borte fra kølisten, besøket er fortsatt aktivt</translation>
        </message>
        <message>
            <source>gone from the queue list, visit could not be read</source>
            <translation>borte fra kølisten, besøket kunne ikke leses</translation>
        </message>
        <message>
            <source>confirm each patient</source>
            <translation>bekreft hver pasient</translation>
        </message>
        <message numerus="yes">
            <source>%n over triage target</source>
            <translation>
                <numerusform>%n over triagetid</numerusform>
                <numerusform>%n over triagetid</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n not triaged</source>
            <translation>
                <numerusform>%n ikke triert</numerusform>
                <numerusform>%n ikke triert</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n possible duplicates</source>
            <translation>
                <numerusform>%n mulig duplikat</numerusform>
                <numerusform>%n mulige duplikater</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n stale entries</source>
            <translation>
                <numerusform>%n utdatert oppføring</numerusform>
                <numerusform>%n utdaterte oppføringer</numerusform>
            </translation>
        </message>
        <message>
            <source>the list may be out of date</source>
            <translation>listen kan være utdatert</translation>
        </message>
        <message>
            <source>Warnings: {list}</source>
            <translation>Varsler: {list}</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Avbryt</translation>
        </message>
        <message>
            <source>Ctrl+Enter</source>
            <translation>Ctrl+Enter</translation>
        </message>
        <message>
            <source>Acknowledge alert</source>
            <translation>Kvitter varsel</translation>
        </message>
        <message>
            <source>Comment (required): what have you done or decided?</source>
            <translation>Kommentar (påkrevd): hva har du gjort eller bestemt?</translation>
        </message>
        <message>
            <source>Comment (optional):</source>
            <translation>Kommentar (valgfri):</translation>
        </message>
        <message>
            <source>Acknowledge</source>
            <translation>Kvitter</translation>
        </message>
        <message>
            <source>Resolve alert</source>
            <translation>Løs varsel</translation>
        </message>
        <message>
            <source>Reason (required): where is the patient, what was done?</source>
            <translation>Begrunnelse (påkrevd): hvor er pasienten, hva ble gjort?</translation>
        </message>
        <message>
            <source>Resolve</source>
            <translation>Løs</translation>
        </message>
        <message>
            <source>Acknowledging…</source>
            <translation>Kvitterer…</translation>
        </message>
        <message>
            <source>Acknowledge…</source>
            <translation>Kvitter…</translation>
        </message>
        <message numerus="yes">
            <source>+ %n more critical alerts (Ctrl+K acknowledges the next)</source>
            <translation>
                <numerusform>+ %n kritisk varsel til (Ctrl+K kvitterer neste)</numerusform>
                <numerusform>+ %n kritiske varsler til (Ctrl+K kvitterer neste)</numerusform>
            </translation>
        </message>
        <message>
            <source>Acknowledged by {who} {time}, not resolved</source>
            <translation>Kvittert av {who} {time}, ikke løst</translation>
        </message>
        <message>
            <source>Resolve…</source>
            <translation>Løs…</translation>
        </message>
        <message>
            <source>Not done: {message}</source>
            <translation>Ikke utført: {message}</translation>
        </message>
        <message>
            <source>Dismiss</source>
            <translation>Lukk</translation>
        </message>
        <message>
            <source>Acknowledge this alert with a comment (Ctrl+K)</source>
            <translation>Kvitter dette varselet med en kommentar (Ctrl+K)</translation>
        </message>
        <message>
            <source>Resolve this alert with a reason (Ctrl+Shift+K)</source>
            <translation>Løs dette varselet med en begrunnelse (Ctrl+Shift+K)</translation>
        </message>
        <message numerus="yes">
            <source>%n notes receipted with errors</source>
            <translation>
                <numerusform>%n notat kvittert med feil</numerusform>
                <numerusform>%n notater kvittert med feil</numerusform>
            </translation>
        </message>
        <message>
            <source>Journal note receipted with errors: {patient}</source>
            <translation>Journalnotat kvittert med feil: {patient}</translation>
        </message>
        <message>
            <source>no receipt by the deadline {time}</source>
            <translation>ingen kvittering innen fristen {time}</translation>
        </message>
        <message>
            <source>not sent: the platform refused it</source>
            <translation>ikke sendt: plattformen avviste den</translation>
        </message>
        <message>
            <source>Acknowledge every alert of the group with one comment</source>
            <translation>Kvitter alle varslene i gruppen med én kommentar</translation>
        </message>
        <message numerus="yes">
            <source>Comment (required), recorded on every alert of the group (%n patients): what have you done or decided?</source>
            <translation>
                <numerusform>Kommentar (påkrevd), føres på hvert varsel i gruppen (%n pasient): hva har du gjort eller bestemt?</numerusform>
                <numerusform>Kommentar (påkrevd), føres på hvert varsel i gruppen (%n pasienter): hva har du gjort eller bestemt?</numerusform>
            </translation>
        </message>
        <message>
            <source>Confirm all…</source>
            <translation>Bekreft alle…</translation>
        </message>
        <message>
            <source>Confirm the whole group</source>
            <translation>Bekreft hele gruppen</translation>
        </message>
        <message>
            <source>Hide the patients</source>
            <translation>Skjul pasientene</translation>
        </message>
        <message>
            <source>Platform ids: {ids}</source>
            <translation>Plattformens id-er: {ids}</translation>
        </message>
        <message>
            <source>Show or hide one line per patient of the group</source>
            <translation>Vis eller skjul én linje per pasient i gruppen</translation>
        </message>
        <message>
            <source>a patient not in the list</source>
            <translation>en pasient som ikke er i listen</translation>
        </message>
        <message>
            <source>confirm the group</source>
            <translation>bekreft gruppen</translation>
        </message>
        <message numerus="yes">
            <source>{name} – possible platform fault: %n patients</source>
            <translation>
                <numerusform>{name} – mulig plattformfeil: %n pasient</numerusform>
                <numerusform>{name} – mulig plattformfeil: %n pasienter</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n not yet confirmed</source>
            <translation>
                <numerusform>%n ikke bekreftet ennå</numerusform>
                <numerusform>%n ikke bekreftet ennå</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Show the %n patients</source>
            <translation>
                <numerusform>Vis %n pasient</numerusform>
                <numerusform>Vis de %n pasientene</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>+ %n more in the group (the queue's group row lists them all)</source>
            <translation>
                <numerusform>+ %n til i gruppen (gruppelinjen i køen viser alle)</numerusform>
                <numerusform>+ %n til i gruppen (gruppelinjen i køen viser alle)</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Confirm all (%n)</source>
            <translation>
                <numerusform>Bekreft alle (%n)</numerusform>
                <numerusform>Bekreft alle (%n)</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>AlertListModel</name>
        <message>
            <source>Acknowledged by {who}</source>
            <translation>Kvittert av {who}</translation>
        </message>
        <message>
            <source>Not acknowledged</source>
            <translation>Ikke kvittert</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <source>Next…</source>
            <translation>Neste…</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Avbryt</translation>
        </message>
        <message>
            <source>Legevakt cannot tell which patients are yours: nobody is signed in as a clinician.</source>
            <translation>Legevakt kan ikke vite hvilke pasienter som er dine: ingen behandler er logget inn.</translation>
        </message>
        <message>
            <source>Legevakt cannot tell which patients are yours: the platform has no Practitioner with your HPR number, so you are not recorded as nurse or doctor on any visit.</source>
            <translation>Legevakt kan ikke vite hvilke pasienter som er dine: plattformen har ingen behandler (Practitioner) med HPR-nummeret ditt, så du står ikke som sykepleier eller lege på noe besøk.</translation>
        </message>
        <message>
            <source>Set t&amp;riage</source>
            <translation>Sett t&amp;riage</translation>
        </message>
        <message>
            <source>Triage cannot be set here</source>
            <translation>Triage kan ikke settes her</translation>
        </message>
        <message>
            <source>All</source>
            <translation>Alle</translation>
        </message>
        <message>
            <source>Waiting</source>
            <translation>Venter</translation>
        </message>
        <message>
            <source>In treatment</source>
            <translation>Under behandling</translation>
        </message>
        <message>
            <source>Dropped</source>
            <translation>Falt ut</translation>
        </message>
        <message>
            <source>Legevakt</source>
            <translation>Legevakt</translation>
        </message>
        <message>
            <source>Patient queue</source>
            <translation>Pasientkø</translation>
        </message>
        <message>
            <source>Show {filter} (Ctrl+{n})</source>
            <translation>Vis {filter} (Ctrl+{n})</translation>
        </message>
        <message>
            <source>Signed in: {user}</source>
            <translation>Pålogget: {user}</translation>
        </message>
        <message>
            <source>DEMO</source>
            <translation>DEMO</translation>
        </message>
        <message>
            <source>Demo platform: synthetic patients only</source>
            <translation>Demoplattform: bare oppdiktede pasienter</translation>
        </message>
        <message>
            <source>&amp;Journal</source>
            <translation>&amp;Journal</translation>
        </message>
        <message>
            <source>&amp;Deliveries…</source>
            <translation>&amp;Forsendelser…</translation>
        </message>
        <message>
            <source>&amp;Shift</source>
            <translation>&amp;Vakt</translation>
        </message>
        <message>
            <source>&amp;Tools</source>
            <translation>Verk&amp;tøy</translation>
        </message>
        <message>
            <source>&amp;Settings…</source>
            <translation>&amp;Innstillinger…</translation>
        </message>
        <message>
            <source>Shift report…</source>
            <translation>Vaktrapport…</translation>
        </message>
        <message>
            <source>Shift report</source>
            <translation>Vaktrapport</translation>
        </message>
        <message>
            <source>Which shift?</source>
            <translation>Hvilken vakt?</translation>
        </message>
        <message>
            <source>shift-report-{day}-{shift}.pdf</source>
            <translation>vaktrapport-{day}-{shift}.pdf</translation>
        </message>
        <message>
            <source>PDF (*.pdf)</source>
            <translation>PDF (*.pdf)</translation>
        </message>
        <message>
            <source>The shift report could not be saved to {path}</source>
            <translation>Vaktrapporten kunne ikke lagres i {path}</translation>
        </message>
        <message>
            <source>The shift report is saved: {path} (pages: {pages})</source>
            <translation>Vaktrapporten er lagret: {path} (sider: {pages})</translation>
        </message>
        <message>
            <source>Shift &amp;lead overview</source>
            <translation>&amp;Vaktleder-oversikt</translation>
        </message>
        <message>
            <source>&amp;Alerts</source>
            <translation>V&amp;arsler</translation>
        </message>
        <message>
            <source>All alerts…</source>
            <translation>Alle varsler…</translation>
        </message>
        <message>
            <source>&amp;Queue</source>
            <translation>&amp;Kø</translation>
        </message>
        <message>
            <source>Go to the queue</source>
            <translation>Gå til køen</translation>
        </message>
        <message>
            <source>Actions for the patient…</source>
            <translation>Handlinger for pasienten…</translation>
        </message>
        <message>
            <source>Acknowledge the next alert…</source>
            <translation>Kvitter neste varsel…</translation>
        </message>
        <message>
            <source>Resolve the next alert…</source>
            <translation>Løs neste varsel…</translation>
        </message>
        <message>
            <source>&amp;Help</source>
            <translation>&amp;Hjelp</translation>
        </message>
        <message>
            <source>&amp;Keyboard shortcuts</source>
            <translation>&amp;Hurtigtaster</translation>
        </message>
        <message>
            <source>Confirm the whole group…</source>
            <translation>Bekreft hele gruppen…</translation>
        </message>
        <message>
            <source>Mine</source>
            <translation>Mine</translation>
        </message>
        <message>
            <source>Search the queue</source>
            <translation>Søk i køen</translation>
        </message>
        <message>
            <source>Show all</source>
            <translation>Vis alle</translation>
        </message>
        <message>
            <source>Clears the search and the filter (Esc in the search field clears the search)</source>
            <translation>Tømmer søket og filteret (Esc i søkefeltet tømmer søket)</translation>
        </message>
        <message>
            <source>No patients in “{filter}” match “{text}”</source>
            <translation>Ingen pasienter i «{filter}» passer «{text}»</translation>
        </message>
        <message>
            <source>No patients match “{text}”</source>
            <translation>Ingen pasienter passer «{text}»</translation>
        </message>
        <message>
            <source>No patients in “{filter}”</source>
            <translation>Ingen pasienter i «{filter}»</translation>
        </message>
        <message>
            <source>Search: name, ID number, room (Ctrl+F)</source>
            <translation>Søk: navn, fødselsnummer, rom (Ctrl+F)</translation>
        </message>
        <message>
            <source>Show or hide the mass-departure group</source>
            <translation>Vis eller skjul gruppen som forsvant samtidig</translation>
        </message>
        <message>
            <source>Shows only patients whose name, identity number or room contains the text (Esc clears)</source>
            <translation>Viser bare pasienter der navn, fødselsnummer eller rom inneholder teksten (Esc tømmer)</translation>
        </message>
    </context>
    <context>
        <name>PatientPanel</name>
        <message>
            <source>assigned (no name)</source>
            <translation>tildelt (uten navn)</translation>
        </message>
        <message>
            <source>Selected patient</source>
            <translation>Valgt pasient</translation>
        </message>
        <message>
            <source>Select a patient in the queue.</source>
            <translation>Velg en pasient i køen.</translation>
        </message>
        <message>
            <source>DROPPED FROM QUEUE – last known data. Find the patient and acknowledge the alert.</source>
            <translation>FALT UT AV KØEN – sist kjente data. Finn pasienten og kvitter varselet.</translation>
        </message>
        <message>
            <source>Complaint</source>
            <translation>Henvendelsesårsak</translation>
        </message>
        <message>
            <source>State</source>
            <translation>Status</translation>
        </message>
        <message>
            <source>Arrived</source>
            <translation>Ankom</translation>
        </message>
        <message>
            <source>Waiting</source>
            <translation>Ventetid</translation>
        </message>
        <message>
            <source>Room</source>
            <translation>Rom</translation>
        </message>
        <message>
            <source>Nurse</source>
            <translation>Sykepleier</translation>
        </message>
        <message>
            <source>Doctor</source>
            <translation>Lege</translation>
        </message>
        <message>
            <source>Alerts</source>
            <translation>Varsler</translation>
        </message>
        <message>
            <source>target {minutes} min</source>
            <translation>mål {minutes} min</translation>
        </message>
        <message>
            <source>past twice the target</source>
            <translation>over dobbel triagetid</translation>
        </message>
        <message>
            <source>past the target</source>
            <translation>over triagetid</translation>
        </message>
        <message>
            <source>Journal</source>
            <translation>Journal</translation>
        </message>
        <message>
            <source>Visit</source>
            <translation>Besøk</translation>
        </message>
    </context>
    <context>
        <name>QueueModel</name>
        <message>
            <source>{count} change(s) not yet confirmed by the platform</source>
            <translation>{count} endring(er) ikke bekreftet av plattformen ennå</translation>
        </message>
        <message>
            <source>Triage</source>
            <translation>Triage</translation>
        </message>
        <message>
            <source>Triage level</source>
            <translation>Triagenivå</translation>
        </message>
        <message>
            <source>Waiting</source>
            <translation>Venter</translation>
        </message>
        <message>
            <source>Time since arrival</source>
            <translation>Tid siden ankomst</translation>
        </message>
        <message>
            <source>Name</source>
            <translation>Navn</translation>
        </message>
        <message>
            <source>Patient name</source>
            <translation>Pasientens navn</translation>
        </message>
        <message>
            <source>Age</source>
            <translation>Alder</translation>
        </message>
        <message>
            <source>Age and sex</source>
            <translation>Alder og kjønn</translation>
        </message>
        <message>
            <source>Complaint</source>
            <translation>Årsak</translation>
        </message>
        <message>
            <source>Chief complaint</source>
            <translation>Henvendelsesårsak</translation>
        </message>
        <message>
            <source>State</source>
            <translation>Status</translation>
        </message>
        <message>
            <source>Where the patient is in the visit</source>
            <translation>Hvor pasienten er i forløpet</translation>
        </message>
        <message>
            <source>Room</source>
            <translation>Rom</translation>
        </message>
        <message>
            <source>Nurse</source>
            <translation>Sykepleier</translation>
        </message>
        <message>
            <source>Responsible nurse</source>
            <translation>Ansvarlig sykepleier</translation>
        </message>
        <message>
            <source>Doctor</source>
            <translation>Lege</translation>
        </message>
        <message>
            <source>Alerts</source>
            <translation>Varsler</translation>
        </message>
        <message>
            <source>Open alerts on this visit</source>
            <translation>Åpne varsler for dette besøket</translation>
        </message>
        <message>
            <source>Arrived {time}</source>
            <translation>Ankom {time}</translation>
        </message>
        <message>
            <source>target {minutes} min</source>
            <translation>mål {minutes} min</translation>
        </message>
        <message>
            <source>Dropped out of the platform's queue list while the visit is still active. Last known data is shown until a person resolves it.</source>
            <translation>Falt ut av plattformens køliste mens besøket fortsatt er aktivt. Sist kjente data vises til noen løser varselet.</translation>
        </message>
        <message>
            <source>Born {date}</source>
            <translation>Født {date}</translation>
        </message>
        <message>
            <source>acknowledged</source>
            <translation>kvittert</translation>
        </message>
        <message>
            <source>open</source>
            <translation>åpent</translation>
        </message>
        <message>
            <source>critical</source>
            <translation>kritisk</translation>
        </message>
        <message>
            <source>warning</source>
            <translation>advarsel</translation>
        </message>
        <message>
            <source>Birth date (from the patient record); the identity number masked in the tooltip</source>
            <translation>Fødselsdato (fra pasientjournalen); fødselsnummeret maskert i verktøytipset</translation>
        </message>
        <message>
            <source>Born</source>
            <translation>Født</translation>
        </message>
        <message>
            <source>Born {date} · {kind} {masked}</source>
            <translation>Født {date} · {kind} {masked}</translation>
        </message>
        <message>
            <source>Changes not yet confirmed by the platform</source>
            <translation>Endringer som plattformen ikke har bekreftet ennå</translation>
        </message>
        <message>
            <source>D-no.</source>
            <translation>D-nr.</translation>
        </message>
        <message>
            <source>D-number</source>
            <translation>D-nummer</translation>
        </message>
        <message numerus="yes">
            <source>{name} – possible platform fault: %n patients</source>
            <translation>
                <numerusform>{name} – mulig plattformfeil: %n pasient</numerusform>
                <numerusform>{name} – mulig plattformfeil: %n pasienter</numerusform>
            </translation>
        </message>
        <message>
            <source>National identity number</source>
            <translation>Fødselsnummer</translation>
        </message>
        <message>
            <source>The patients of a mass departure, gathered in one row so the others stay in view. Alerts &gt; Confirm the whole group acknowledges them all.</source>
            <translation>Pasientene som forsvant samtidig, samlet i én rad så de andre blir stående synlige. Varsler &gt; Bekreft hele gruppen kvitterer alle.</translation>
        </message>
        <message>
            <source>With doctor</source>
            <translation>Hos lege</translation>
        </message>
        <message>
            <source>click or Enter to show or hide them</source>
            <translation>klikk eller Enter for å vise eller skjule dem</translation>
        </message>
        <message>
            <source>saving…</source>
            <translation>lagrer…</translation>
        </message>
        <message>
            <source>{date} D-no.</source>
            <translation>{date} D-nr.</translation>
        </message>
    </context>
    <context>
        <name>SyncStatusBar</name>
        <message>
            <source>In all: {arrived} arrived = {departed} left + {present} here + {dropped} dropped</source>
            <translation>I alt: {arrived} ankommet = {departed} reist + {present} her + {dropped} falt ut</translation>
        </message>
        <message>
            <source>{shift}: {carried} carried over + {arrived} arrived = {departed} left + {present} here + {dropped} dropped</source>
            <translation>{shift}: {carried} overført + {arrived} ankommet = {departed} reist + {present} her + {dropped} falt ut</translation>
        </message>
        <message>
            <source>Nobody has left this shift yet</source>
            <translation>Ingen har reist denne vakten ennå</translation>
        </message>
        <message>
            <source>Push</source>
            <translation>Sanntid</translation>
        </message>
        <message>
            <source>Polling</source>
            <translation>Henter jevnlig</translation>
        </message>
        <message>
            <source>Offline</source>
            <translation>Frakoblet</translation>
        </message>
        <message>
            <source>Connecting…</source>
            <translation>Kobler til…</translation>
        </message>
        <message>
            <source>All changes saved</source>
            <translation>Alle endringer lagret</translation>
        </message>
        <message numerus="yes">
            <source>%n changes waiting to be saved</source>
            <translation>
                <numerusform>%n endring venter på lagring</numerusform>
                <numerusform>%n endringer venter på lagring</numerusform>
            </translation>
        </message>
        <message>
            <source>DEMO</source>
            <translation>DEMO</translation>
        </message>
        <message>
            <source>TLS NOT VERIFIED</source>
            <translation>TLS IKKE VERIFISERT</translation>
        </message>
        <message>
            <source>Alerts are not shared with other workstations</source>
            <translation>Varsler deles ikke med andre arbeidsstasjoner</translation>
        </message>
        <message>
            <source>verify_tls = false: the platform's certificate is not checked, so anyone on the network path could read or change what is sent, the credentials included</source>
            <translation>verify_tls = false: plattformens sertifikat kontrolleres ikke, så hvem som helst på nettverksveien kan lese eller endre det som sendes, også påloggingsopplysningene</translation>
        </message>
        <message>
            <source>Connected to the built-in demo platform: synthetic patients only</source>
            <translation>Koblet til den innebygde demoplattformen: bare oppdiktede pasienter</translation>
        </message>
        <message>
            <source>Waiting for the first complete synchronisation</source>
            <translation>Venter på første komplette synkronisering</translation>
        </message>
        <message>
            <source>Updated {age} ago</source>
            <translation>Oppdatert for {age} siden</translation>
        </message>
        <message>
            <source>May be out of date · updated {age} ago</source>
            <translation>Kan være utdatert · oppdatert for {age} siden</translation>
        </message>
        <message>
            <source>Platform: {url}</source>
            <translation>Plattform: {url}</translation>
        </message>
        <message>
            <source>No connection to the platform</source>
            <translation>Ingen forbindelse med plattformen</translation>
        </message>
        <message>
            <source>The last update from the platform was incomplete</source>
            <translation>Siste oppdatering fra plattformen var ufullstendig</translation>
        </message>
    </context>
    <context>
        <name>Texts</name>
        <message>
            <source>{n} mo</source>
            <translation>{n} mnd</translation>
        </message>
        <message>
            <source>{n} d</source>
            <translation>{n} d</translation>
        </message>
        <message>
            <source>Invalid national identity number: check the patient's identity</source>
            <translation>Ugyldig fødselsnummer: kontroller pasientens identitet</translation>
        </message>
        <message>
            <source>The identifier does not match its kind (national identity number, D-number or common auxiliary number): check the patient's identity</source>
            <translation>Identifikatoren passer ikke med sin type (fødselsnummer, D-nummer eller felles hjelpenummer): kontroller pasientens identitet</translation>
        </message>
        <message>
            <source>Planned</source>
            <translation>Planlagt</translation>
        </message>
        <message>
            <source>Registered</source>
            <translation>Registrert</translation>
        </message>
        <message>
            <source>Waiting for doctor</source>
            <translation>Venter på lege</translation>
        </message>
        <message>
            <source>In treatment</source>
            <translation>Under behandling</translation>
        </message>
        <message>
            <source>Away: x-ray, lab</source>
            <translation>Ute: røntgen, lab</translation>
        </message>
        <message>
            <source>Finished</source>
            <translation>Ferdig</translation>
        </message>
        <message>
            <source>Cancelled</source>
            <translation>Avlyst</translation>
        </message>
        <message>
            <source>Entered in error</source>
            <translation>Feilregistrert</translation>
        </message>
        <message>
            <source>Unknown status</source>
            <translation>Ukjent status</translation>
        </message>
        <message>
            <source>Dropped</source>
            <translation>Falt ut</translation>
        </message>
        <message>
            <source>Not in queue</source>
            <translation>Ikke i køen</translation>
        </message>
        <message>
            <source>Stale entry</source>
            <translation>Utdatert oppføring</translation>
        </message>
        <message>
            <source>Duplicate</source>
            <translation>Duplikat</translation>
        </message>
        <message>
            <source>Over triage target</source>
            <translation>Over triagetid</translation>
        </message>
        <message>
            <source>Not triaged</source>
            <translation>Ikke triert</translation>
        </message>
        <message>
            <source>Many vanished at once</source>
            <translation>Mange forsvant samtidig</translation>
        </message>
        <message>
            <source>Change not saved</source>
            <translation>Endring ikke lagret</translation>
        </message>
        <message>
            <source>Change conflict</source>
            <translation>Endringen kolliderer</translation>
        </message>
        <message>
            <source>Departed</source>
            <translation>Reist</translation>
        </message>
        <message>
            <source>Unknown level: {code}</source>
            <translation>Ukjent nivå: {code}</translation>
        </message>
        <message>
            <source>Unknown patient</source>
            <translation>Ukjent pasient</translation>
        </message>
        <message>
            <source>no ID</source>
            <translation>uten ID</translation>
        </message>
        <message>
            <source>F</source>
            <translation>K</translation>
        </message>
        <message>
            <source>M</source>
            <translation>M</translation>
        </message>
        <message>
            <source>O</source>
            <translation>A</translation>
        </message>
        <message>
            <source>{m} min</source>
            <translation>{m} min</translation>
        </message>
        <message>
            <source>{h} h {m:02d} min</source>
            <translation>{h} t {m:02d} min</translation>
        </message>
        <message>
            <source>{s} s</source>
            <translation>{s} s</translation>
        </message>
        <message>
            <source>DROPPED</source>
            <translation>FALT UT AV KØEN</translation>
        </message>
        <message>
            <source>Organization {id}</source>
            <translation>Virksomhet {id}</translation>
        </message>
        <message>
            <source>Practitioner {id}</source>
            <translation>Behandler {id}</translation>
        </message>
        <message>
            <source>Queued</source>
            <translation>I kø</translation>
        </message>
        <message>
            <source>Sent</source>
            <translation>Sendt</translation>
        </message>
        <message>
            <source>Transferred</source>
            <translation>Overført</translation>
        </message>
        <message>
            <source>Overdue</source>
            <translation>Forsinket</translation>
        </message>
        <message>
            <source>Receipted</source>
            <translation>Kvittert</translation>
        </message>
        <message>
            <source>Receipted with errors</source>
            <translation>Kvittert med feil</translation>
        </message>
        <message>
            <source>Rejected</source>
            <translation>Avvist</translation>
        </message>
        <message>
            <source>Not sent (refused by the platform)</source>
            <translation>Ikke sendt (avvist av plattformen)</translation>
        </message>
        <message>
            <source>Saved</source>
            <translation>Lagret</translation>
        </message>
        <message>
            <source>Signed</source>
            <translation>Signert</translation>
        </message>
            <message>
            <source>Over twice the triage target</source>
            <translation>Over dobbel triagetid</translation>
        </message>
            <message>
            <source>The list may be out of date</source>
            <translation>Listen kan være utdatert</translation>
        </message>
            <message>
            <source>Journal note not delivered</source>
            <translation>Journalnotat ikke levert</translation>
        </message>
            <message>
            <source>Journal note rejected</source>
            <translation>Journalnotat avvist</translation>
        </message>
            <message>
            <source>Journal note receipted with errors</source>
            <translation>Journalnotat kvittert med feil</translation>
        </message>
    </context>
    <context>
        <name>Census</name>
        <message>
            <source>Day shift</source>
            <translation>Dagvakt</translation>
        </message>
        <message>
            <source>Evening shift</source>
            <translation>Kveldsvakt</translation>
        </message>
        <message>
            <source>Night shift</source>
            <translation>Nattevakt</translation>
        </message>
        <message>
            <source>day</source>
            <translation>dag</translation>
        </message>
        <message>
            <source>evening</source>
            <translation>kveld</translation>
        </message>
        <message>
            <source>night</source>
            <translation>natt</translation>
        </message>
    </context>
    <context>
        <name>LockPage</name>
        <message>
            <source>Patient data is hidden: the screen was locked. Press a key or click to continue.</source>
            <translation>Pasientdata er skjult: skjermen ble låst. Trykk en tast eller klikk for å fortsette.</translation>
        </message>
        <message>
            <source>Legevakt is locked</source>
            <translation>Legevakt er låst</translation>
        </message>
        <message>
            <source>Patient data is hidden because the screen was idle for {minutes} min. Press a key or click to continue.</source>
            <translation>Pasientdata er skjult fordi skjermen har stått ubrukt i {minutes} min. Trykk en tast eller klikk for å fortsette.</translation>
        </message>
        <message>
            <source>1 critical alert waiting</source>
            <translation>1 kritisk varsel venter</translation>
        </message>
        <message>
            <source>{count} critical alerts waiting</source>
            <translation>{count} kritiske varsler venter</translation>
        </message>
    </context>
    <context>
        <name>Problems</name>
        <message>
            <source>The platform did not finish answering within {seconds} seconds; the update was abandoned and nothing was concluded from it.</source>
            <translation>Plattformen ble ikke ferdig med å svare innen {seconds} sekunder; oppdateringen ble avbrutt, og ingenting ble sluttet fra den.</translation>
        </message>
        <message>
            <source>The platform sent an answer beyond a limit ({what}); it was refused.</source>
            <translation>Plattformen sendte et svar over en grense ({what}); det ble avvist.</translation>
        </message>
        <message>
            <source>too many pages</source>
            <translation>for mange sider</translation>
        </message>
        <message>
            <source>too big</source>
            <translation>for stort</translation>
        </message>
        <message>
            <source>nested too deep</source>
            <translation>for dypt nøstet</translation>
        </message>
        <message>
            <source>a text too long</source>
            <translation>en for lang tekst</translation>
        </message>
        <message>
            <source>The platform answered with an error.</source>
            <translation>Plattformen svarte med en feil.</translation>
        </message>
        <message>
            <source>Cannot reach the platform (network down, server not answering, or timed out).</source>
            <translation>Får ikke kontakt med plattformen (nettet er nede, serveren svarer ikke, eller tidsavbrudd).</translation>
        </message>
        <message>
            <source>The platform reported a fault.</source>
            <translation>Plattformen meldte en feil.</translation>
        </message>
        <message>
            <source>The platform refused our credentials. Sign in again with 'legevakt login'.</source>
            <translation>Plattformen avviste påloggingen. Logg inn på nytt med «legevakt login».</translation>
        </message>
        <message>
            <source>No credentials stored for this platform. Run 'legevakt login --platform URL' first.</source>
            <translation>Ingen pålogging lagret for denne plattformen. Kjør «legevakt login --platform URL» først.</translation>
        </message>
        <message>
            <source>The platform does not have {ref}.</source>
            <translation>Plattformen har ikke {ref}.</translation>
        </message>
        <message>
            <source>The platform deleted {ref}.</source>
            <translation>Plattformen har slettet {ref}.</translation>
        </message>
        <message>
            <source>Someone else changed {ref} on the platform first.</source>
            <translation>Noen andre endret {ref} på plattformen først.</translation>
        </message>
        <message>
            <source>The platform refused the request.</source>
            <translation>Plattformen avviste forespørselen.</translation>
        </message>
        <message>
            <source>The platform sent something we could not understand; nothing was changed.</source>
            <translation>Plattformen sendte noe vi ikke forstod; ingenting ble endret.</translation>
        </message>
        <message>
            <source>The platform is not set up the way Legevakt expects.</source>
            <translation>Plattformen er ikke satt opp slik Legevakt forventer.</translation>
        </message>
        <message>
            <source>The platform pointed to another server ({origin}) for {via}; Legevakt refused to go there, so the credentials stay with the platform.</source>
            <translation>Plattformen viste til en annen server ({origin}) for {via}; Legevakt nektet å gå dit, så påloggingsopplysningene blir hos plattformen.</translation>
        </message>
        <message>
            <source>The platform's certificate could not be verified, so no secure connection was made. This is not a network fault: ask the platform's administrator to check the certificate.</source>
            <translation>Plattformens sertifikat kunne ikke verifiseres, så ingen sikker forbindelse ble opprettet. Dette er ikke en nettverksfeil: be plattformens administrator sjekke sertifikatet.</translation>
        </message>
        <message>
            <source>Refused to send credentials unencrypted (http://) to another machine; use an https:// address.</source>
            <translation>Nektet å sende påloggingsopplysninger ukryptert (http://) til en annen maskin; bruk en https://-adresse.</translation>
        </message>
        <message>
            <source>the next page of a list</source>
            <translation>neste side av en liste</translation>
        </message>
        <message>
            <source>a redirect</source>
            <translation>en videresending</translation>
        </message>
        <message>
            <source>signing in</source>
            <translation>pålogging</translation>
        </message>
        <message>
            <source>push notifications</source>
            <translation>varsler fra plattformen (push)</translation>
        </message>
        <message>
            <source>The list changed on the platform while it was being fetched.</source>
            <translation>Listen endret seg på plattformen mens den ble hentet.</translation>
        </message>
        <message>
            <source>The platform has no current queue list for this clinic.</source>
            <translation>Plattformen har ingen gjeldende køliste for denne legevakten.</translation>
        </message>
        <message>
            <source>A patient in the queue list could not be read ({ref}).</source>
            <translation>En pasient i kølisten kunne ikke leses ({ref}).</translation>
        </message>
        <message>
            <source>Patient records that could not be read: {count}.</source>
            <translation>Pasientjournaler som ikke kunne leses: {count}.</translation>
        </message>
        <message>
            <source>The note is saved here but has not reached the platform yet; send it once it has.</source>
            <translation>Notatet er lagret her, men har ikke nådd plattformen ennå; send det når det har det.</translation>
        </message>
        <message>
            <source>To write notes, set your Practitioner reference (practitioner) in the settings.</source>
            <translation>For å skrive notater må du oppgi din behandlerreferanse (practitioner) i innstillingene.</translation>
        </message>
        <message>
            <source>There is no note {note} here.</source>
            <translation>Det finnes ikke noe notat {note} her.</translation>
        </message>
        <message>
            <source>{encounter} is not in this clinic's worklist.</source>
            <translation>{encounter} er ikke på denne legevaktens arbeidsliste.</translation>
        </message>
        <message>
            <source>A note needs text.</source>
            <translation>Et notat må ha tekst.</translation>
        </message>
        <message>
            <source>Note {note} is signed and cannot be edited; write a correction instead.</source>
            <translation>Notat {note} er signert og kan ikke endres; skriv en rettelse i stedet.</translation>
        </message>
        <message>
            <source>Note {note} must be signed before it is sent.</source>
            <translation>Notat {note} må signeres før det sendes.</translation>
        </message>
        <message>
            <source>No recipient given, and the patient has no regular GP registered.</source>
            <translation>Ingen mottaker valgt, og pasienten har ingen fastlege registrert.</translation>
        </message>
        <message>
            <source>The recipient must be a Practitioner or an Organization ({ref}).</source>
            <translation>Mottakeren må være en behandler eller en virksomhet ({ref}).</translation>
        </message>
        <message>
            <source>The receipt deadline for {kind} must be a positive number of minutes.</source>
            <translation>Fristen for kvittering for {kind} må være et positivt antall minutter.</translation>
        </message>
        <message>
            <source>A receipt from the recipient's system could not be understood ({what}).</source>
            <translation>En kvittering fra mottakerens system kunne ikke forstås ({what}).</translation>
        </message>
        <message>
            <source>The platform has {count} current lists for this clinic; which one is the queue is unclear.</source>
            <translation>Plattformen har {count} gjeldende lister for denne legevakten; det er uklart hvilken som er køen.</translation>
        </message>
        <message>
            <source>The platform announced {said} patients but {got} arrived.</source>
            <translation>Plattformen varslet {said} pasienter, men {got} kom fram.</translation>
        </message>
        <message>
            <source>Page {page} of the patient list could not be fetched.</source>
            <translation>Side {page} av pasientlisten kunne ikke hentes.</translation>
        </message>
        <message>
            <source>The latest changes could not be fetched.</source>
            <translation>De siste endringene kunne ikke hentes.</translation>
        </message>
        <message>
            <source>{count} entries in the queue list point to visits Legevakt cannot look up (on another server, or without a reference); nobody was taken as having left the queue.</source>
            <translation>{count} oppføringer i kølisten viser til besøk Legevakt ikke kan slå opp (på en annen server, eller uten referanse); ingen er regnet som gått fra køen.</translation>
        </message>
        <message>
            <source>The last update from the platform was incomplete.</source>
            <translation>Siste oppdatering fra plattformen var ufullstendig.</translation>
        </message>
        <message>
            <source>The text is too long (at most {limit} characters); nothing was changed.</source>
            <translation>Teksten er for lang (høyst {limit} tegn); ingenting ble endret.</translation>
        </message>
        <message>
            <source>The disk is full; nothing more can be saved.</source>
            <translation>Disken er full; ingenting mer kan lagres.</translation>
        </message>
        <message>
            <source>The local data can only be read, not saved.</source>
            <translation>De lokale dataene kan bare leses, ikke lagres.</translation>
        </message>
        <message>
            <source>The local data is locked by another program.</source>
            <translation>De lokale dataene er låst av et annet program.</translation>
        </message>
        <message>
            <source>The local data is damaged.</source>
            <translation>De lokale dataene er skadet.</translation>
        </message>
        <message>
            <source>The local data could not be opened.</source>
            <translation>De lokale dataene kunne ikke åpnes.</translation>
        </message>
        <message>
            <source>The local data was written by a newer version of Legevakt.</source>
            <translation>De lokale dataene ble skrevet av en nyere versjon av Legevakt.</translation>
        </message>
        <message>
            <source>Another Legevakt program is using this data directory.</source>
            <translation>Et annet Legevakt-program bruker denne datamappen.</translation>
        </message>
        <message>
            <source>Say who you are before acting on an alert.</source>
            <translation>Si hvem du er før du handler på et varsel.</translation>
        </message>
        <message>
            <source>Alert {alert} is critical: write a comment to acknowledge it.</source>
            <translation>Varsel {alert} er kritisk: skriv en kommentar for å kvittere.</translation>
        </message>
        <message>
            <source>Alert {alert} is already acknowledged.</source>
            <translation>Varsel {alert} er allerede kvittert.</translation>
        </message>
        <message>
            <source>Give a reason to resolve alert {alert}.</source>
            <translation>Oppgi en begrunnelse for å løse varsel {alert}.</translation>
        </message>
        <message>
            <source>Alert {alert} is no longer open (already resolved).</source>
            <translation>Varsel {alert} er ikke lenger åpent (allerede løst).</translation>
        </message>
        <message>
            <source>{encounter} is not in the worklist (update first).</source>
            <translation>{encounter} er ikke i arbeidslisten (oppdater først).</translation>
        </message>
        <message>
            <source>{encounter} has left the queue; it cannot be changed here.</source>
            <translation>{encounter} har forlatt køen og kan ikke endres her.</translation>
        </message>
        <message>
            <source>The visit {encounter} has ended ({status}); it cannot be changed here.</source>
            <translation>Besøket {encounter} er avsluttet ({status}) og kan ikke endres her.</translation>
        </message>
        <message>
            <source>Nothing to change: {field} is already {value}.</source>
            <translation>Ingenting å endre: {field} er allerede {value}.</translation>
        </message>
        <message>
            <source>{field} of {encounter} changed since you looked; look again and retry.</source>
            <translation>{field} for {encounter} er endret siden du så på den; se igjen og prøv på nytt.</translation>
        </message>
        <message>
            <source>{code} is not a level of the {scale} triage scale.</source>
            <translation>{code} er ikke et nivå i triageskalaen {scale}.</translation>
        </message>
        <message>
            <source>The triage code belongs to {system}, not to the {scale} scale.</source>
            <translation>Triagekoden tilhører {system}, ikke skalaen {scale}.</translation>
        </message>
        <message>
            <source>Unknown state {state}.</source>
            <translation>Ukjent status {state}.</translation>
        </message>
        <message>
            <source>Choose where the patient goes to finish the visit.</source>
            <translation>Velg hvor pasienten skal videre for å avslutte besøket.</translation>
        </message>
        <message>
            <source>Where the patient goes is chosen only when finishing.</source>
            <translation>Hvor pasienten skal videre velges bare ved avslutning.</translation>
        </message>
        <message>
            <source>The state cannot change from {from} to {to}.</source>
            <translation>Statusen kan ikke endres fra {from} til {to}.</translation>
        </message>
        <message>
            <source>Say who gives the command.</source>
            <translation>Si hvem som gir kommandoen.</translation>
        </message>
        <message>
            <source>triage</source>
            <translation>triage</translation>
        </message>
        <message>
            <source>room</source>
            <translation>rom</translation>
        </message>
        <message>
            <source>nurse</source>
            <translation>sykepleier</translation>
        </message>
        <message>
            <source>doctor</source>
            <translation>lege</translation>
        </message>
        <message>
            <source>state</source>
            <translation>status</translation>
        </message>
        <message>
            <source>encounter</source>
            <translation>besøk</translation>
        </message>
        <message>
            <source>resource</source>
            <translation>ressurs</translation>
        </message>
        <message>
            <source>No new {field} given.</source>
            <translation>Ingen ny verdi for {field} er gitt.</translation>
        </message>
        <message>
            <source>{field} must be a {type} reference.</source>
            <translation>{field} må være en {type}-referanse.</translation>
        </message>
        <message>
            <source>This is not a choice for where the patient goes ({disposition}).</source>
            <translation>Dette er ikke et valg for hvor pasienten skal videre ({disposition}).</translation>
        </message>
        <message>
            <source>The command is malformed ({what}).</source>
            <translation>Kommandoen er ugyldig ({what}).</translation>
        </message>
        <message>
            <source>Legevakt could not start: {cause}</source>
            <translation>Legevakt kunne ikke starte: {cause}</translation>
        </message>
        <message>
            <source>Something went wrong inside Legevakt ({where}); the details are in the log.</source>
            <translation>Noe gikk galt inne i Legevakt ({where}); detaljene står i loggen.</translation>
        </message>
    </context>
    <context>
        <name>JournalPanel</name>
        <message>
            <source>from {time}</source>
            <translation>fra {time}</translation>
        </message>
        <message>
            <source>Signing and sending notes is for: {roles}.</source>
            <translation>Signering og sending av notater er for: {roles}.</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Avbryt</translation>
        </message>
        <message>
            <source>Journal · {ident}</source>
            <translation>Journal · {ident}</translation>
        </message>
        <message>
            <source>New note</source>
            <translation>Nytt notat</translation>
        </message>
        <message>
            <source>No doctor or office by that name.</source>
            <translation>Ingen lege eller virksomhet med det navnet.</translation>
        </message>
        <message>
            <source>No notes yet.</source>
            <translation>Ingen notater ennå.</translation>
        </message>
        <message>
            <source>Not done: {message}</source>
            <translation>Ikke utført: {message}</translation>
        </message>
        <message>
            <source>Not on the platform yet</source>
            <translation>Ikke på plattformen ennå</translation>
        </message>
        <message>
            <source>Note text</source>
            <translation>Notattekst</translation>
        </message>
        <message>
            <source>Reading the journal…</source>
            <translation>Henter journalen…</translation>
        </message>
        <message>
            <source>Recipient (name of a doctor or an office):</source>
            <translation>Mottaker (navn på lege eller virksomhet):</translation>
        </message>
        <message>
            <source>Save</source>
            <translation>Lagre</translation>
        </message>
        <message>
            <source>Save the changes before signing.</source>
            <translation>Lagre endringene før du signerer.</translation>
        </message>
        <message>
            <source>Save the note (Ctrl+S)</source>
            <translation>Lagre notatet (Ctrl+S)</translation>
        </message>
        <message>
            <source>Saved note {time}</source>
            <translation>Lagret notat {time}</translation>
        </message>
        <message>
            <source>Searching…</source>
            <translation>Søker…</translation>
        </message>
        <message>
            <source>Send</source>
            <translation>Send</translation>
        </message>
        <message>
            <source>Send again</source>
            <translation>Send på nytt</translation>
        </message>
        <message>
            <source>Send the note again to {recipient}</source>
            <translation>Send notatet på nytt til {recipient}</translation>
        </message>
        <message>
            <source>Send the note to…</source>
            <translation>Send notatet til…</translation>
        </message>
        <message>
            <source>Send the signed note to a doctor or office you pick (Ctrl+Shift+T)</source>
            <translation>Send det signerte notatet til en lege eller virksomhet du velger (Ctrl+Shift+T)</translation>
        </message>
        <message>
            <source>Send the signed note to the patient's GP (Ctrl+Shift+F)</source>
            <translation>Send det signerte notatet til pasientens fastlege (Ctrl+Shift+F)</translation>
        </message>
        <message>
            <source>Send to GP</source>
            <translation>Send til fastlege</translation>
        </message>
        <message>
            <source>Send to…</source>
            <translation>Send til…</translation>
        </message>
        <message>
            <source>Sent again</source>
            <translation>Sendt på nytt</translation>
        </message>
        <message>
            <source>Sign</source>
            <translation>Signer</translation>
        </message>
        <message>
            <source>Sign the note before sending it.</source>
            <translation>Signer notatet før det sendes.</translation>
        </message>
        <message>
            <source>Sign the saved note; it cannot be edited after (Ctrl+Shift+S)</source>
            <translation>Signer det lagrede notatet; det kan ikke endres etterpå (Ctrl+Shift+S)</translation>
        </message>
        <message>
            <source>The note is saved here and waits for the platform; it can be signed once the platform has it.</source>
            <translation>Notatet er lagret her og venter på plattformen; det kan signeres når plattformen har det.</translation>
        </message>
        <message>
            <source>The note waits for the platform; it can be sent once the platform has it.</source>
            <translation>Notatet venter på plattformen; det kan sendes når plattformen har det.</translation>
        </message>
        <message>
            <source>Type at least two letters</source>
            <translation>Skriv minst to bokstaver</translation>
        </message>
        <message>
            <source>Type at least two letters of the name.</source>
            <translation>Skriv minst to bokstaver av navnet.</translation>
        </message>
        <message>
            <source>Working…</source>
            <translation>Utfører…</translation>
        </message>
        <message>
            <source>Write a new note (Ctrl+N)</source>
            <translation>Skriv et nytt notat (Ctrl+N)</translation>
        </message>
        <message>
            <source>Write the note here…</source>
            <translation>Skriv notatet her…</translation>
        </message>
        <message>
            <source>You can read the journal but not write in it: set your Practitioner reference (practitioner) in the settings.</source>
            <translation>Du kan lese journalen, men ikke skrive i den: sett din Practitioner-referanse (practitioner) i innstillingene.</translation>
        </message>
        <message>
            <source>deadline {time}</source>
            <translation>frist {time}</translation>
        </message>
        <message>
            <source>receipt {time}</source>
            <translation>kvittert {time}</translation>
        </message>
        <message>
            <source>sent {time}</source>
            <translation>sendt {time}</translation>
        </message>
        <message>
            <source>to {recipient}</source>
            <translation>til {recipient}</translation>
        </message>
        <message numerus="yes">
            <source>%n found. Enter sends to the one marked.</source>
            <translation>
                <numerusform>%n funnet. Enter sender til den som er merket.</numerusform>
                <numerusform>%n funnet. Enter sender til den som er merket.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n notes, newest first</source>
            <translation>
                <numerusform>%n notat</numerusform>
                <numerusform>%n notater, nyeste først</numerusform>
            </translation>
        </message>
        <message>
            <source>Journal</source>
            <translation>Journal</translation>
        </message>
        <message>
            <source>Save the note</source>
            <translation>Lagre notatet</translation>
        </message>
        <message>
            <source>Sign the note</source>
            <translation>Signer notatet</translation>
        </message>
        <message>
            <source>Send the note to the GP</source>
            <translation>Send notatet til fastlegen</translation>
        </message>
        <message>
            <source>Signed by {name} {time} (cannot be edited)</source>
            <translation>Signert av {name} {time} (kan ikke endres)</translation>
        </message>
        <message>
            <source>another practitioner</source>
            <translation>annen behandler</translation>
        </message>
        <message>
            <source>Sent and receipted {time} (to {recipient})</source>
            <translation>Sendt og kvittert {time} (til {recipient})</translation>
        </message>
        <message>
            <source>Sent and receipted with errors {time} (to {recipient})</source>
            <translation>Sendt og kvittert med feil {time} (til {recipient})</translation>
        </message>
        <message>
            <source>Sent, waiting for the receipt (deadline {time}, to {recipient})</source>
            <translation>Sendt, venter på kvittering (frist {time}, til {recipient})</translation>
        </message>
        <message>
            <source>Sent, waiting for the receipt (to {recipient})</source>
            <translation>Sendt, venter på kvittering (til {recipient})</translation>
        </message>
        <message>
            <source>Rejected by {recipient} {time}: send it again</source>
            <translation>Avvist av {recipient} {time}: send på nytt</translation>
        </message>
        <message>
            <source>The platform refused the sending to {recipient}: send it again</source>
            <translation>Plattformen avviste forsendelsen til {recipient}: send på nytt</translation>
        </message>
        <message>
            <source>Not receipted by the deadline {time} (to {recipient}): send it again</source>
            <translation>Ikke kvittert innen fristen {time} (til {recipient}): send på nytt</translation>
        </message>
        <message>
            <source>{state}. Send it to another doctor or office</source>
            <translation>{state}. Send notatet til en annen lege eller et annet kontor</translation>
        </message>
        <message>
            <source>{state}: pick another recipient.</source>
            <translation>{state}: velg en annen mottaker.</translation>
        </message>
        <message>
            <source>by {name} {time}</source>
            <translation>av {name} {time}</translation>
        </message>
        <message>
            <source>not sent: the platform refused it {time}</source>
            <translation>ikke sendt: plattformen avviste forsendelsen {time}</translation>
        </message>
    </context>
    <context>
        <name>LedgerView</name>
        <message numerus="yes">
            <source>%n deliveries need action</source>
            <translation>
                <numerusform>%n forsendelse trenger handling</numerusform>
                <numerusform>%n forsendelser trenger handling</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n deliveries this shift</source>
            <translation>
                <numerusform>%n forsendelse denne vakten</numerusform>
                <numerusform>%n forsendelser denne vakten</numerusform>
            </translation>
        </message>
        <message>
            <source>Close</source>
            <translation>Lukk</translation>
        </message>
        <message>
            <source>Deadline</source>
            <translation>Frist</translation>
        </message>
        <message>
            <source>Deliveries</source>
            <translation>Forsendelser</translation>
        </message>
        <message>
            <source>Deliveries this shift</source>
            <translation>Forsendelser denne vakten</translation>
        </message>
        <message>
            <source>Double-click a row to show the patient.</source>
            <translation>Dobbeltklikk på en rad for å vise pasienten.</translation>
        </message>
        <message>
            <source>Needs action ({n})</source>
            <translation>Trenger handling ({n})</translation>
        </message>
        <message>
            <source>Needs action: send the note again or contact the recipient</source>
            <translation>Trenger handling: send notatet på nytt eller kontakt mottakeren</translation>
        </message>
        <message>
            <source>Note</source>
            <translation>Notat</translation>
        </message>
        <message>
            <source>Patient</source>
            <translation>Pasient</translation>
        </message>
        <message>
            <source>Receipt</source>
            <translation>Kvittering</translation>
        </message>
        <message>
            <source>Recipient</source>
            <translation>Mottaker</translation>
        </message>
        <message>
            <source>Send again</source>
            <translation>Send på nytt</translation>
        </message>
        <message>
            <source>Send the selected note again to the same recipient</source>
            <translation>Send det valgte notatet på nytt til samme mottaker</translation>
        </message>
        <message>
            <source>Sent</source>
            <translation>Sendt</translation>
        </message>
        <message>
            <source>Show only deliveries that need action (Ctrl+F)</source>
            <translation>Vis bare forsendelser som trenger handling (Ctrl+F)</translation>
        </message>
        <message>
            <source>State</source>
            <translation>Status</translation>
        </message>
        <message>
            <source>{state}, sent again</source>
            <translation>{state}, sendt på nytt</translation>
        </message>
        <message>
            <source>Show only what needs action</source>
            <translation>Vis bare det som må følges opp</translation>
        </message>
        <message>
            <source>Not sent: refused by the platform</source>
            <translation>Ikke sendt: avvist av plattformen</translation>
        </message>
    </context>
    <context>
        <name>ShiftReport</name>
        <message>
            <source>cleared by their change of {field}</source>
            <translation>løst ved endring av {field}</translation>
        </message>
        <message>
            <source>Dropped from the queue</source>
            <translation>Falt ut av køen</translation>
        </message>
        <message>
            <source>Missing from the queue</source>
            <translation>Mangler i køen</translation>
        </message>
        <message>
            <source>Stale queue entry</source>
            <translation>Utdatert oppføring i køen</translation>
        </message>
        <message>
            <source>Possible duplicate patient</source>
            <translation>Mulig dobbeltregistrert pasient</translation>
        </message>
        <message>
            <source>Not triaged</source>
            <translation>Ikke triert</translation>
        </message>
        <message>
            <source>The list may be out of date</source>
            <translation>Listen kan være utdatert</translation>
        </message>
        <message>
            <source>Journal note not delivered</source>
            <translation>Journalnotat ikke levert</translation>
        </message>
        <message>
            <source>Journal note rejected</source>
            <translation>Journalnotat avvist</translation>
        </message>
        <message>
            <source>Journal note receipted with errors</source>
            <translation>Journalnotat kvittert med feil</translation>
        </message>
        <message>
            <source>Change not saved on the platform</source>
            <translation>Endring ikke lagret på plattformen</translation>
        </message>
        <message>
            <source>Change conflicts with another</source>
            <translation>Endringen kolliderer med en annens</translation>
        </message>
        <message>
            <source>critical</source>
            <translation>kritisk</translation>
        </message>
        <message>
            <source>warning</source>
            <translation>advarsel</translation>
        </message>
        <message>
            <source>in the outbox</source>
            <translation>i utboksen</translation>
        </message>
        <message>
            <source>sent</source>
            <translation>sendt</translation>
        </message>
        <message>
            <source>transported</source>
            <translation>overført</translation>
        </message>
        <message>
            <source>overdue</source>
            <translation>forsinket</translation>
        </message>
        <message>
            <source>not sent (refused by the platform)</source>
            <translation>ikke sendt (avvist av plattformen)</translation>
        </message>
        <message>
            <source>receipted</source>
            <translation>kvittert</translation>
        </message>
        <message>
            <source>receipted with errors</source>
            <translation>kvittert med feil</translation>
        </message>
        <message>
            <source>rejected</source>
            <translation>avvist</translation>
        </message>
        <message>
            <source>still waiting</source>
            <translation>venter fortsatt</translation>
        </message>
        <message>
            <source>conflict</source>
            <translation>konflikt</translation>
        </message>
        <message>
            <source>refused</source>
            <translation>avvist</translation>
        </message>
        <message>
            <source>triage</source>
            <translation>triage</translation>
        </message>
        <message>
            <source>room</source>
            <translation>rom</translation>
        </message>
        <message>
            <source>nurse</source>
            <translation>sykepleier</translation>
        </message>
        <message>
            <source>doctor</source>
            <translation>lege</translation>
        </message>
        <message>
            <source>state</source>
            <translation>status</translation>
        </message>
        <message>
            <source>record</source>
            <translation>journaldokument</translation>
        </message>
        <message>
            <source>day shift</source>
            <translation>dagvakt</translation>
        </message>
        <message>
            <source>evening shift</source>
            <translation>kveldsvakt</translation>
        </message>
        <message>
            <source>night shift</source>
            <translation>nattevakt</translation>
        </message>
        <message>
            <source>{m} min</source>
            <translation>{m} min</translation>
        </message>
        <message>
            <source>{h} h {m} min</source>
            <translation>{h} t {m} min</translation>
        </message>
        <message>
            <source>{percent} %</source>
            <translation>{percent} %</translation>
        </message>
        <message>
            <source>no ID</source>
            <translation>uten ID</translation>
        </message>
        <message>
            <source>unknown</source>
            <translation>ukjent</translation>
        </message>
        <message>
            <source>Patients arrived</source>
            <translation>Pasienter ankommet</translation>
        </message>
        <message>
            <source>Alerts (critical)</source>
            <translation>Varsler (kritiske)</translation>
        </message>
        <message>
            <source>Alerts still open now</source>
            <translation>Varsler fortsatt åpne nå</translation>
        </message>
        <message>
            <source>Journal notes not delivered in time</source>
            <translation>Journalnotater ikke levert i tide</translation>
        </message>
        <message>
            <source>Journal notes rejected</source>
            <translation>Journalnotater avvist</translation>
        </message>
        <message>
            <source>Changes not saved on the platform</source>
            <translation>Endringer ikke lagret på plattformen</translation>
        </message>
        <message>
            <source>Link to the platform up</source>
            <translation>Forbindelse med plattformen oppe</translation>
        </message>
        <message>
            <source>{carried} carried over + {arrived} arrived = {departed} departed + {present} present + {dropped} dropped, unresolved</source>
            <translation>{carried} overført + {arrived} ankommet = {departed} reist + {present} til stede + {dropped} falt ut, uavklart</translation>
        </message>
        <message>
            <source>Patients who dropped out of the queue must be found and resolved.</source>
            <translation>Pasienter som har falt ut av køen, må finnes og avklares.</translation>
        </message>
        <message>
            <source>The census does not balance.</source>
            <translation>Pasienttellingen går ikke opp.</translation>
        </message>
        <message>
            <source>Departed, by reason</source>
            <translation>Dratt, etter årsak</translation>
        </message>
        <message>
            <source>Number</source>
            <translation>Antall</translation>
        </message>
        <message>
            <source>before the shift</source>
            <translation>før vakten</translation>
        </message>
        <message>
            <source>not acknowledged</source>
            <translation>ikke kvittert</translation>
        </message>
        <message>
            <source>automatically</source>
            <translation>automatisk</translation>
        </message>
        <message>
            <source>still open</source>
            <translation>fortsatt åpent</translation>
        </message>
        <message>
            <source>Raised</source>
            <translation>Oppdaget</translation>
        </message>
        <message>
            <source>Alert</source>
            <translation>Varsel</translation>
        </message>
        <message>
            <source>Patient / visit</source>
            <translation>Pasient / besøk</translation>
        </message>
        <message>
            <source>Acknowledged</source>
            <translation>Kvittert</translation>
        </message>
        <message>
            <source>Resolved</source>
            <translation>Løst</translation>
        </message>
        <message>
            <source>Sent</source>
            <translation>Sendt</translation>
        </message>
        <message>
            <source>Deadline</source>
            <translation>Frist</translation>
        </message>
        <message>
            <source>Recipient</source>
            <translation>Mottaker</translation>
        </message>
        <message>
            <source>State now</source>
            <translation>Status nå</translation>
        </message>
        <message>
            <source>Rejected</source>
            <translation>Avvist</translation>
        </message>
        <message>
            <source>Why (the recipient's codes)</source>
            <translation>Hvorfor (mottakerens koder)</translation>
        </message>
        <message>
            <source>Sent again</source>
            <translation>Sendt på nytt</translation>
        </message>
        <message>
            <source>no reason given</source>
            <translation>ingen årsak oppgitt</translation>
        </message>
        <message>
            <source>not yet</source>
            <translation>ikke ennå</translation>
        </message>
        <message>
            <source>{n} attempts</source>
            <translation>{n} forsøk</translation>
        </message>
        <message>
            <source>Made</source>
            <translation>Laget</translation>
        </message>
        <message>
            <source>Change</source>
            <translation>Endring</translation>
        </message>
        <message>
            <source>By</source>
            <translation>Av</translation>
        </message>
        <message>
            <source>State</source>
            <translation>Status</translation>
        </message>
        <message>
            <source>The platform's answer</source>
            <translation>Plattformens svar</translation>
        </message>
        <message>
            <source>Up {up} of {known} with known state ({percent}).</source>
            <translation>Oppe {up} av {known} med kjent status ({percent}).</translation>
        </message>
        <message>
            <source>Not known: {unknown} (before the first record of the link).</source>
            <translation>Ukjent: {unknown} (før første registrering av forbindelsen).</translation>
        </message>
        <message>
            <source>still down</source>
            <translation>fortsatt nede</translation>
        </message>
        <message>
            <source>Down from</source>
            <translation>Nede fra</translation>
        </message>
        <message>
            <source>Until</source>
            <translation>Til</translation>
        </message>
        <message>
            <source>For</source>
            <translation>Varighet</translation>
        </message>
        <message>
            <source>No outages.</source>
            <translation>Ingen brudd.</translation>
        </message>
        <message>
            <source>Shift report — Legevakt {location} — {shift} {date}</source>
            <translation>Vaktrapport — Legevakt {location} — {shift} {date}</translation>
        </message>
        <message>
            <source>{date}, {start}–{end} (clinic time)</source>
            <translation>{date}, {start}–{end} (legevaktens tid)</translation>
        </message>
        <message>
            <source>Made {time}</source>
            <translation>Laget {time}</translation>
        </message>
        <message>
            <source>The shift is not over: this is the state so far.</source>
            <translation>Vakten er ikke over: dette er status så langt.</translation>
        </message>
        <message>
            <source>Patients appear only by their masked national identity number and their visit id.</source>
            <translation>Pasienter vises bare med maskert fødselsnummer og besøks-ID.</translation>
        </message>
        <message>
            <source>Summary</source>
            <translation>Oversikt</translation>
        </message>
        <message>
            <source>Census</source>
            <translation>Pasienttelling</translation>
        </message>
        <message>
            <source>Alerts</source>
            <translation>Varsler</translation>
        </message>
        <message>
            <source>Journal notes rejected by the recipient</source>
            <translation>Journalnotater avvist av mottaker</translation>
        </message>
        <message>
            <source>Link to the platform</source>
            <translation>Forbindelsen med plattformen</translation>
        </message>
        <message>
            <source>No alerts during this shift.</source>
            <translation>Ingen varsler i denne vakten.</translation>
        </message>
        <message>
            <source>Every note sent was receipted in time.</source>
            <translation>Alle sendte notater ble kvittert i tide.</translation>
        </message>
        <message>
            <source>No note was rejected.</source>
            <translation>Ingen notater ble avvist.</translation>
        </message>
        <message>
            <source>Every change made here was saved on the platform.</source>
            <translation>Alle endringer gjort her ble lagret på plattformen.</translation>
        </message>
        <message>
            <source>The link's state is not known for this shift (no record of it).</source>
            <translation>Forbindelsens status er ukjent for denne vakten (ingen registrering).</translation>
        </message>
        <message>
            <source>Nobody left the queue during this shift.</source>
            <translation>Ingen forlot køen i løpet av vakten.</translation>
        </message>
        <message>
            <source>Shift report · {location} · {shift} {date}</source>
            <translation>Vaktrapport · {location} · {shift} {date}</translation>
        </message>
        <message>
            <source>Shift report — Legevakt — {shift} {date}</source>
            <translation>Vaktrapport — Legevakt — {shift} {date}</translation>
        </message>
        <message>
            <source>Page {n} of {m}</source>
            <translation>Side {n} av {m}</translation>
        </message>
        <message>
            <source>Present at the end of the shift (handed over)</source>
            <translation>Til stede ved vaktslutt (overlevert)</translation>
        </message>
        <message>
            <source>Present now</source>
            <translation>Til stede nå</translation>
        </message>
        <message>
            <source>Carried over from the previous shift</source>
            <translation>Overført fra forrige vakt</translation>
        </message>
        <message>
            <source>Arrived during the shift</source>
            <translation>Ankommet i vakten</translation>
        </message>
        <message>
            <source>Departed during the shift</source>
            <translation>Reist i vakten</translation>
        </message>
        <message>
            <source>Dropped from the queue, unresolved</source>
            <translation>Falt ut av køen, uavklart</translation>
        </message>
        <message>
            <source>Patients carried over from the previous shift</source>
            <translation>Pasienter overført fra forrige vakt</translation>
        </message>
            <message>
            <source>Over triage target</source>
            <translation>Over triagetid</translation>
        </message>
            <message>
            <source>Many vanished at once</source>
            <translation>Mange forsvant samtidig</translation>
        </message>
        <message>
            <source>sending of a journal note</source>
            <translation>forsendelse av journalnotat</translation>
        </message>
        <message>
            <source>journal note</source>
            <translation>journalnotat</translation>
        </message>
        <message>
            <source>shared alert</source>
            <translation>delt varsel</translation>
        </message>
        <message>
            <source>practitioner</source>
            <translation>behandler</translation>
        </message>
        <message>
            <source>organisation</source>
            <translation>virksomhet</translation>
        </message>
        <message>
            <source>message</source>
            <translation>melding</translation>
        </message>
        <message>
            <source>sent again {time}</source>
            <translation>sendt på nytt {time}</translation>
        </message>
        <message>
            <source>delivered (sent again), receipted {time}</source>
            <translation>levert (sendt på nytt), kvittert {time}</translation>
        </message>
        <message>
            <source>sent again, receipted with errors {time}</source>
            <translation>sendt på nytt, kvittert med feil {time}</translation>
        </message>
        <message>
            <source>sent again, now: {state}</source>
            <translation>sendt på nytt, nå: {state}</translation>
        </message>
        <message>
            <source>The platform took every note sent.</source>
            <translation>Plattformen tok imot alle notater som ble sendt.</translation>
        </message>
        <message>
            <source>not sent: the platform refused it</source>
            <translation>ikke sendt: plattformen avviste forsendelsen</translation>
        </message>
        <message>
            <source>Journal notes the platform refused to send</source>
            <translation>Journalnotater plattformen avviste å sende</translation>
        </message>
        <message>
            <source>Journal notes not sent: refused by the platform</source>
            <translation>Journalnotater ikke sendt: avvist av plattformen</translation>
        </message>
        <message>
            <source>Shift report — {clinic} — {shift} {date}</source>
            <translation>Vaktrapport — {clinic} — {shift} {date}</translation>
        </message>
    </context>
    <context>
        <name>Wallboard</name>
        <message>
            <source>Many patients are missing from the list – possibly a platform fault</source>
            <translation>Mange pasienter mangler i listen – mulig plattformfeil</translation>
        </message>
        <message>
            <source>Urgency</source>
            <translation>Hastegrad</translation>
        </message>
        <message>
            <source>Waiting</source>
            <translation>Ventetid</translation>
        </message>
        <message>
            <source>Patient</source>
            <translation>Pasient</translation>
        </message>
        <message>
            <source>Age</source>
            <translation>Alder</translation>
        </message>
        <message>
            <source>Room</source>
            <translation>Rom</translation>
        </message>
        <message>
            <source>{n} yrs</source>
            <translation>{n} år</translation>
        </message>
        <message>
            <source>Missing</source>
            <translation>Savnet</translation>
        </message>
        <message>
            <source>At x-ray/lab</source>
            <translation>Røntgen/lab</translation>
        </message>
        <message>
            <source>With doctor</source>
            <translation>Hos lege</translation>
        </message>
        <message>
            <source>In treatment</source>
            <translation>Under behandling</translation>
        </message>
        <message>
            <source>assigned</source>
            <translation>tildelt</translation>
        </message>
        <message>
            <source>Legevakt – waiting board</source>
            <translation>Legevakt – ventetavle</translation>
        </message>
        <message>
            <source>Legevakt</source>
            <translation>Legevakt</translation>
        </message>
        <message>
            <source>Waiting list</source>
            <translation>Venteliste</translation>
        </message>
        <message>
            <source>DEMO</source>
            <translation>DEMO</translation>
        </message>
        <message>
            <source>The list below may be out of date. Ask at the reception.</source>
            <translation>Listen kan være utdatert. Spør i skranken.</translation>
        </message>
        <message>
            <source>Patients are seen in order of urgency, not of arrival.</source>
            <translation>Pasientene tas inn etter hastegrad, ikke etter ankomst.</translation>
        </message>
        <message>
            <source>Page {page} of {pages}</source>
            <translation>Side {page} av {pages}</translation>
        </message>
        <message>
            <source>Not updated: no data from the platform yet</source>
            <translation>Ikke oppdatert: ingen data fra plattformen ennå</translation>
        </message>
        <message>
            <source>Not updated since {time}</source>
            <translation>Ikke oppdatert siden {time}</translation>
        </message>
        <message>
            <source>Patients: {n}</source>
            <translation>Pasienter: {n}</translation>
        </message>
        <message>
            <source>Missing: {n}</source>
            <translation>Savnet: {n}</translation>
        </message>
        <message>
            <source>Waiting for the first update…</source>
            <translation>Venter på første oppdatering…</translation>
        </message>
        <message>
            <source>No patients waiting</source>
            <translation>Ingen pasienter venter</translation>
        </message>
    </context>
    <context>
        <name>ShiftLeadView</name>
        <message>
            <source>Against target</source>
            <translation>Mot triagetid</translation>
        </message>
        <message>
            <source>Alert</source>
            <translation>Varsel</translation>
        </message>
        <message>
            <source>Arrivals</source>
            <translation>Ankomster</translation>
        </message>
        <message>
            <source>Arrivals per hour, last {hours} hours</source>
            <translation>Ankomster per time, siste {hours} timer</translation>
        </message>
        <message>
            <source>Arrived this shift</source>
            <translation>Ankommet denne vakten</translation>
        </message>
        <message>
            <source>Arrived {time}</source>
            <translation>Ankom {time}</translation>
        </message>
        <message>
            <source>Carried over from the previous shift</source>
            <translation>Overført fra forrige vakt</translation>
        </message>
        <message>
            <source>Carried over: here when the shift began (arrived before it and had not left). Waits count from arrival until a doctor takes over, as in the queue.</source>
            <translation>Overført: var her da vakten begynte (kom før den og hadde ikke reist). Ventetiden teller fra ankomst til en lege tar over, som i køen.</translation>
        </message>
        <message>
            <source>Census of the shift</source>
            <translation>Vaktens pasienter</translation>
        </message>
        <message>
            <source>Changes not yet saved</source>
            <translation>Endringer ikke lagret ennå</translation>
        </message>
        <message>
            <source>Critical</source>
            <translation>Kritiske</translation>
        </message>
        <message>
            <source>Here when the shift began: arrived before it and had not left</source>
            <translation>Var her da vakten begynte: kom før den og hadde ikke reist</translation>
        </message>
        <message>
            <source>Hour</source>
            <translation>Klokkeslett</translation>
        </message>
        <message>
            <source>Hour (clinic time)</source>
            <translation>Klokkeslett</translation>
        </message>
        <message>
            <source>In this shift</source>
            <translation>I denne vakten</translation>
        </message>
        <message>
            <source>In this shift, in all</source>
            <translation>I vakten totalt</translation>
        </message>
        <message>
            <source>Name</source>
            <translation>Navn</translation>
        </message>
        <message>
            <source>No open alerts</source>
            <translation>Ingen åpne varsler</translation>
        </message>
        <message>
            <source>Nobody is waiting for a doctor</source>
            <translation>Ingen venter på lege</translation>
        </message>
        <message>
            <source>Not acknowledged</source>
            <translation>Ikke kvittert</translation>
        </message>
        <message>
            <source>Open</source>
            <translation>Åpne</translation>
        </message>
        <message>
            <source>Open alerts</source>
            <translation>Åpne varsler</translation>
        </message>
        <message>
            <source>Open alerts by kind</source>
            <translation>Åpne varsler per type</translation>
        </message>
        <message>
            <source>Past the triage target</source>
            <translation>Over triagetid</translation>
        </message>
        <message>
            <source>Patients</source>
            <translation>Pasienter</translation>
        </message>
        <message>
            <source>Patients now</source>
            <translation>Pasienter nå</translation>
        </message>
        <message>
            <source>Per state</source>
            <translation>Per status</translation>
        </message>
        <message>
            <source>Per triage level</source>
            <translation>Per triagenivå</translation>
        </message>
        <message>
            <source>Room</source>
            <translation>Rom</translation>
        </message>
        <message>
            <source>Shift lead overview</source>
            <translation>Vaktleder-oversikt</translation>
        </message>
        <message>
            <source>State</source>
            <translation>Status</translation>
        </message>
        <message>
            <source>Target</source>
            <translation>Triagetid</translation>
        </message>
        <message>
            <source>This shift</source>
            <translation>Denne vakten</translation>
        </message>
        <message>
            <source>Triage</source>
            <translation>Triage</translation>
        </message>
        <message>
            <source>Triage level</source>
            <translation>Triagenivå</translation>
        </message>
        <message>
            <source>Waiting</source>
            <translation>Venter</translation>
        </message>
        <message>
            <source>everything saved on the platform</source>
            <translation>alt er lagret på plattformen</translation>
        </message>
        <message>
            <source>left: {reason}</source>
            <translation>reist: {reason}</translation>
        </message>
        <message>
            <source>of {waiting} waiting for a doctor</source>
            <translation>av {waiting} som venter på lege</translation>
        </message>
        <message>
            <source>patients affected: {patients}</source>
            <translation>berørte pasienter: {patients}</translation>
        </message>
        <message>
            <source>Offline: no complete list yet</source>
            <translation>Frakoblet: ingen fullstendig liste ennå</translation>
        </message>
        <message>
            <source>Offline: the figures are from the list of {time}</source>
            <translation>Frakoblet: tallene er fra listen kl. {time}</translation>
        </message>
        <message>
            <source>{carried} carried over ({here} still here) · {arrived} arrived</source>
            <translation>{carried} overført ({here} fortsatt her) · {arrived} ankommet</translation>
        </message>
        <message>
            <source>critical: {critical} · not acknowledged: {unack}</source>
            <translation>kritiske: {critical} · ikke kvittert: {unack}</translation>
        </message>
        <message>
            <source>{m} min left</source>
            <translation>{m} min igjen</translation>
        </message>
        <message>
            <source>{m} min over</source>
            <translation>{m} min over</translation>
        </message>
        <message>
            <source>{shift} · figures as of {time}</source>
            <translation>{shift} · tall per {time}</translation>
        </message>
        <message>
            <source>{waiting} waiting for a doctor · {dropped} dropped</source>
            <translation>{waiting} venter på lege · {dropped} falt ut</translation>
        </message>
        <message>
            <source>Left during the shift</source>
            <translation>Reist i løpet av vakten</translation>
        </message>
        <message>
            <source>Still here</source>
            <translation>Fortsatt her</translation>
        </message>
        <message>
            <source>Dropped, not resolved</source>
            <translation>Falt ut, ikke avklart</translation>
        </message>
            <message>
            <source>Waiting for a doctor, furthest past the target first</source>
            <translation>Venter på lege, lengst over triagetid først</translation>
        </message>
    </context>
    <context>
        <name>AlertsPanel</name>
        <message>
            <source>not sent: the platform refused it</source>
            <translation>ikke sendt: plattformen avviste den</translation>
        </message>
        <message>
            <source>cleared by their change of {field}</source>
            <translation>løst ved endring av {field}</translation>
        </message>
        <message>
            <source>This alert clears by itself when its cause is gone (the patient triaged or seen, the data up to date); acknowledge it instead.</source>
            <translation>Dette varselet forsvinner av seg selv når årsaken er borte (pasienten er triert eller hos lege, dataene er oppdatert). Kvitter det i stedet.</translation>
        </message>
        <message>
            <source>&amp;Show:</source>
            <translation>&amp;Vis:</translation>
        </message>
        <message>
            <source>Acknowledge the selected alert with a comment (Ctrl+K)</source>
            <translation>Kvitter det valgte varselet med en kommentar (Ctrl+K)</translation>
        </message>
        <message>
            <source>Acknowledged</source>
            <translation>Kvittert</translation>
        </message>
        <message>
            <source>Acknowledge…</source>
            <translation>Kvitter…</translation>
        </message>
        <message>
            <source>Alerts</source>
            <translation>Varsler</translation>
        </message>
        <message>
            <source>Alerts this shift</source>
            <translation>Varsler denne vakten</translation>
        </message>
        <message>
            <source>All alerts</source>
            <translation>Alle varsler</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>Lukk</translation>
        </message>
        <message>
            <source>Comment</source>
            <translation>Kommentar</translation>
        </message>
        <message>
            <source>Critical</source>
            <translation>Kritisk</translation>
        </message>
        <message>
            <source>Kind</source>
            <translation>Type</translation>
        </message>
        <message>
            <source>Not acknowledged</source>
            <translation>Ikke kvittert</translation>
        </message>
        <message>
            <source>Not resolved</source>
            <translation>Ikke løst</translation>
        </message>
        <message>
            <source>Patient</source>
            <translation>Pasient</translation>
        </message>
        <message>
            <source>Raised</source>
            <translation>Oppstått</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>Begrunnelse</translation>
        </message>
        <message>
            <source>Resolve the selected alert with a reason (Ctrl+Shift+K)</source>
            <translation>Løs det valgte varselet med en begrunnelse (Ctrl+Shift+K)</translation>
        </message>
        <message>
            <source>Resolved</source>
            <translation>Løst</translation>
        </message>
        <message>
            <source>Resolve…</source>
            <translation>Løs…</translation>
        </message>
        <message>
            <source>Severity</source>
            <translation>Alvorlighet</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>Status</translation>
        </message>
        <message>
            <source>Warning</source>
            <translation>Advarsel</translation>
        </message>
        <message>
            <source>automatically</source>
            <translation>automatisk</translation>
        </message>
        <message>
            <source>the condition cleared</source>
            <translation>årsaken er borte</translation>
        </message>
        <message>
            <source>unknown patient</source>
            <translation>ukjent pasient</translation>
        </message>
        <message>
            <source>{total} alerts this shift · not resolved: {open} · critical, not acknowledged: {critical}</source>
            <translation>{total} varsler denne vakten · ikke løst: {open} · kritiske, ikke kvittert: {critical}</translation>
        </message>
        <message numerus="yes">
            <source>%n patients</source>
            <translation>
                <numerusform>%n pasient</numerusform>
                <numerusform>%n pasienter</numerusform>
            </translation>
        </message>
        <message>
            <source>Acknowledge the selected alert…</source>
            <translation>Kvitter valgt varsel…</translation>
        </message>
        <message>
            <source>Resolve the selected alert…</source>
            <translation>Løs valgt varsel…</translation>
        </message>
    </context>
    <context>
        <name>Notify</name>
        <message>
            <source>Legevakt</source>
            <translation>Legevakt</translation>
        </message>
        <message>
            <source>Legevakt: new critical alert</source>
            <translation>Legevakt: nytt kritisk varsel</translation>
        </message>
        <message numerus="yes">
            <source>Legevakt: %n new critical alerts</source>
            <translation>
                <numerusform>Legevakt: %n nytt kritisk varsel</numerusform>
                <numerusform>Legevakt: %n nye kritiske varsler</numerusform>
            </translation>
        </message>
        <message>
            <source>New critical alert: {kind} ({time})</source>
            <translation>Nytt kritisk varsel: {kind} ({time})</translation>
        </message>
        <message>
            <source>active visit not in the queue</source>
            <translation>aktivt besøk mangler i køen</translation>
        </message>
        <message>
            <source>change conflicts with someone else's</source>
            <translation>endringen kolliderer med en annens</translation>
        </message>
        <message>
            <source>change not saved on the platform</source>
            <translation>endringen er ikke lagret på plattformen</translation>
        </message>
        <message>
            <source>dropped from the queue</source>
            <translation>falt ut av køen</translation>
        </message>
        <message>
            <source>journal note not delivered</source>
            <translation>journalnotat ikke levert</translation>
        </message>
        <message>
            <source>journal note receipted with errors</source>
            <translation>journalnotat kvittert med feil</translation>
        </message>
        <message>
            <source>journal note rejected</source>
            <translation>journalnotat avvist</translation>
        </message>
        <message>
            <source>many patients left the queue at once</source>
            <translation>mange pasienter forsvant samtidig</translation>
        </message>
        <message>
            <source>not triaged</source>
            <translation>ikke triert</translation>
        </message>
        <message>
            <source>possible duplicate patient</source>
            <translation>mulig dobbeltregistrert pasient</translation>
        </message>
        <message>
            <source>stale entry</source>
            <translation>utdatert oppføring</translation>
        </message>
        <message>
            <source>the list may be out of date</source>
            <translation>listen kan være utdatert</translation>
        </message>
        <message>
            <source>waiting past twice the triage target</source>
            <translation>venter over dobbel triagetid</translation>
        </message>
    </context>
    <context>
        <name>SafeActions</name>
        <message>
            <source>Marked as entered in error – {patient}</source>
            <translation>Merket som feilregistrert – {patient}</translation>
        </message>
        <message>
            <source>Visit cancelled – {patient}</source>
            <translation>Besøket avlyst – {patient}</translation>
        </message>
        <message>
            <source>Visit finished: {reason} – {patient}</source>
            <translation>Besøket avsluttet: {reason} – {patient}</translation>
        </message>
        <message>
            <source>Register as left</source>
            <translation>Registrer at pasienten gikk</translation>
        </message>
        <message>
            <source>Register as deceased</source>
            <translation>Registrer som død</translation>
        </message>
        <message>
            <source>Cancel the visit of {patient}?</source>
            <translation>Avlyse besøket til {patient}?</translation>
        </message>
        <message>
            <source>Cancel visit</source>
            <translation>Avlys besøket</translation>
        </message>
        <message>
            <source>Close (Esc)</source>
            <translation>Lukk (Esc)</translation>
        </message>
        <message>
            <source>Confirm</source>
            <translation>Bekreft</translation>
        </message>
        <message>
            <source>Go back</source>
            <translation>Avbryt</translation>
        </message>
        <message>
            <source>Doctor</source>
            <translation>Lege</translation>
        </message>
        <message>
            <source>Nurse</source>
            <translation>Sykepleier</translation>
        </message>
        <message>
            <source>Room</source>
            <translation>Rom</translation>
        </message>
        <message>
            <source>State</source>
            <translation>Status</translation>
        </message>
        <message>
            <source>Triage</source>
            <translation>Triage</translation>
        </message>
        <message>
            <source>Finish the visit of {patient}: {reason}?</source>
            <translation>Avslutte besøket til {patient}: {reason}?</translation>
        </message>
        <message>
            <source>Finish visit</source>
            <translation>Avslutt besøket</translation>
        </message>
        <message>
            <source>Mark as error</source>
            <translation>Merk som feilregistrert</translation>
        </message>
        <message>
            <source>Mark the visit of {patient} as entered in error?</source>
            <translation>Merke besøket til {patient} som feilregistrert?</translation>
        </message>
        <message>
            <source>Register that {patient} left without being seen?</source>
            <translation>Registrere at {patient} gikk uten å bli sett?</translation>
        </message>
        <message>
            <source>Register {patient} as deceased and finish the visit?</source>
            <translation>Registrere {patient} som død og avslutte besøket?</translation>
        </message>
        <message>
            <source>The patient leaves the queue. This cannot be undone here.</source>
            <translation>Pasienten går ut av køen. Dette kan ikke angres her.</translation>
        </message>
        <message>
            <source>Undo (Ctrl+Z)</source>
            <translation>Angre (Ctrl+Z)</translation>
        </message>
        <message>
            <source>Undo</source>
            <translation>Angre</translation>
        </message>
        <message>
            <source>none</source>
            <translation>ingen</translation>
        </message>
        <message>
            <source>{action} (cannot be undone here)</source>
            <translation>{action} (kan ikke angres her)</translation>
        </message>
        <message>
            <source>{field} set to {value} – {patient}</source>
            <translation>{field} satt til {value} – {patient}</translation>
        </message>
        <message>
            <source>{field} {value} not confirmed yet</source>
            <translation>{field} {value} er ikke bekreftet ennå</translation>
        </message>
        <message>
            <source>{field} {value} refused by the platform</source>
            <translation>{field} {value} ble avvist av plattformen</translation>
        </message>
        <message>
            <source>{field}: ours {ours}, the platform has {theirs}</source>
            <translation>{field}: vår {ours}, plattformen har {theirs}</translation>
        </message>
        <message>
            <source>Queue</source>
            <translation>Kø</translation>
        </message>
        <message>
            <source>Close the “Angre” note</source>
            <translation>Lukk «Angre»-meldingen</translation>
        </message>
        <message>
            <source>Undo the last action (for 10 seconds)</source>
            <translation>Angre siste handling (i 10 sekunder)</translation>
        </message>
    </context>
    <context>
        <name>SettingsDialog</name>
        <message>
            <source>e.g. https://fhir.example.no/r4</source>
            <translation>f.eks. https://fhir.example.no/r4</translation>
        </message>
        <message>
            <source>e.g. Location/emergency-clinic-bergen</source>
            <translation>f.eks. Location/legevakt-bergen</translation>
        </message>
        <message>
            <source>&amp;Clinic (Location):</source>
            <translation>Le&amp;gevakt (sted på plattformen):</translation>
        </message>
        <message>
            <source>&amp;Language:</source>
            <translation>&amp;Språk:</translation>
        </message>
        <message>
            <source>&amp;Platform address (FHIR R4):</source>
            <translation>&amp;Plattformadresse (FHIR R4):</translation>
        </message>
        <message>
            <source>&amp;Save</source>
            <translation>&amp;Lagre</translation>
        </message>
        <message>
            <source>&amp;Triage scale:</source>
            <translation>&amp;Triageskala:</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Avbryt</translation>
        </message>
        <message>
            <source>Changes take effect after Legevakt is restarted.</source>
            <translation>Endringene gjelder fra neste gang Legevakt startes.</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>Lukk</translation>
        </message>
        <message>
            <source>Could not write {path}: {message}</source>
            <translation>Kunne ikke skrive {path}: {message}</translation>
        </message>
        <message>
            <source>English</source>
            <translation>Engelsk</translation>
        </message>
        <message>
            <source>Lock after idle &amp;minutes:</source>
            <translation>Lås etter &amp;minutter uten bruk:</translation>
        </message>
        <message>
            <source>Must be a number</source>
            <translation>Må være et tall</translation>
        </message>
        <message>
            <source>Must be a web address starting with https://, e.g. https://fhir.example.no/r4</source>
            <translation>Må være en nettadresse som begynner med https://, for eksempel https://fhir.example.no/r4</translation>
        </message>
        <message>
            <source>Must be a whole number</source>
            <translation>Må være et helt tall</translation>
        </message>
        <message>
            <source>Must be bokmål or English</source>
            <translation>Må være bokmål eller engelsk</translation>
        </message>
        <message>
            <source>Must be greater than zero</source>
            <translation>Må være større enn null</translation>
        </message>
        <message>
            <source>Must look like Location/&lt;id&gt;</source>
            <translation>Må se ut som Location/&lt;id&gt;</translation>
        </message>
        <message>
            <source>Must use https:// (plain http:// only to this machine: localhost, 127.0.0.1)</source>
            <translation>Må bruke https:// (vanlig http:// bare til denne maskinen: localhost, 127.0.0.1)</translation>
        </message>
        <message>
            <source>Norwegian bokmål</source>
            <translation>Norsk bokmål</translation>
        </message>
        <message>
            <source>Not a valid value</source>
            <translation>Ugyldig verdi</translation>
        </message>
        <message>
            <source>Notifications:</source>
            <translation>Varslinger:</translation>
        </message>
        <message>
            <source>Play a sound for a new critical alert</source>
            <translation>Spill av lyd ved nytt kritisk varsel</translation>
        </message>
        <message>
            <source>Saved to {path}. The changes take effect when Legevakt is restarted.</source>
            <translation>Lagret i {path}. Endringene gjelder fra neste gang Legevakt startes.</translation>
        </message>
        <message>
            <source>Seconds between &amp;polls:</source>
            <translation>Sekunder mellom &amp;oppdateringer:</translation>
        </message>
        <message>
            <source>Settings</source>
            <translation>Innstillinger</translation>
        </message>
        <message>
            <source>Show a desktop notification for a new critical alert</source>
            <translation>Vis skrivebordsvarsling ved nytt kritisk varsel</translation>
        </message>
        <message>
            <source>Sound:</source>
            <translation>Lyd:</translation>
        </message>
        <message>
            <source>The settings file {path} has a bad value elsewhere; nothing was saved.</source>
            <translation>Innstillingsfilen {path} har en ugyldig verdi et annet sted; ingenting ble lagret.</translation>
        </message>
        <message>
            <source>This platform is on another machine and its TLS certificate is not checked (verify_tls = false in the file): refused</source>
            <translation>Plattformen er på en annen maskin, og TLS-sertifikatet kontrolleres ikke (verify_tls = false i filen): avvist</translation>
        </message>
        <message>
            <source>Time &amp;zone:</source>
            <translation>T&amp;idssone:</translation>
        </message>
        <message>
            <source>Unknown time zone: use a name such as Europe/Oslo</source>
            <translation>Ukjent tidssone: bruk et navn som Europe/Oslo</translation>
        </message>
    </context>
    <context>
        <name>Keyboard</name>
        <message>
            <source>Close</source>
            <translation>Lukk</translation>
        </message>
        <message>
            <source>General</source>
            <translation>Generelt</translation>
        </message>
        <message>
            <source>Keyboard shortcuts</source>
            <translation>Hurtigtaster</translation>
        </message>
        <message>
            <source>Action</source>
            <translation>Handling</translation>
        </message>
        <message>
            <source>Keys</source>
            <translation>Taster</translation>
        </message>
    </context>
    <context>
        <name>Roles</name>
        <message>
            <source>Nurse</source>
            <translation>Sykepleier</translation>
        </message>
        <message>
            <source>Doctor</source>
            <translation>Lege</translation>
        </message>
        <message>
            <source>Shift lead</source>
            <translation>Vaktleder</translation>
        </message>
        <message>
            <source>Only for: {roles}</source>
            <translation>Bare for: {roles}</translation>
        </message>
    </context>
    <context>
        <name>SignIn</name>
        <message>
            <source>&amp;Lock the screen</source>
            <translation>&amp;Lås skjermen</translation>
        </message>
        <message>
            <source>{left} attempts left before you must sign in again.</source>
            <translation>{left} forsøk igjen før du må logge inn på nytt.</translation>
        </message>
        <message>
            <source>The PIN cannot be checked: the OS keyring is not available. Sign in again.</source>
            <translation>PIN-koden kan ikke kontrolleres: operativsystemets nøkkelring er ikke tilgjengelig. Logg inn på nytt.</translation>
        </message>
        <message>
            <source>Write your name.</source>
            <translation>Skriv navnet ditt.</translation>
        </message>
        <message>
            <source>Write your HPR number.</source>
            <translation>Skriv HPR-nummeret ditt.</translation>
        </message>
        <message>
            <source>The HPR number has digits only.</source>
            <translation>HPR-nummeret består bare av sifre.</translation>
        </message>
        <message>
            <source>The HPR number has 6 to 9 digits.</source>
            <translation>HPR-nummeret har 6 til 9 sifre.</translation>
        </message>
        <message>
            <source>Choose a PIN of at least 4 characters.</source>
            <translation>Velg en PIN-kode på minst 4 tegn.</translation>
        </message>
        <message>
            <source>The two PINs differ.</source>
            <translation>De to PIN-kodene er ulike.</translation>
        </message>
        <message>
            <source>Sign in to Legevakt</source>
            <translation>Logg inn i Legevakt</translation>
        </message>
        <message>
            <source>Who is working? Your name and HPR number are recorded on every change, acknowledgement and journal opening.</source>
            <translation>Hvem er på jobb? Navnet og HPR-nummeret ditt føres på hver endring, kvittering og journalåpning.</translation>
        </message>
        <message>
            <source>digits, e.g. 1234567</source>
            <translation>sifre, f.eks. 1234567</translation>
        </message>
        <message>
            <source>&amp;Name</source>
            <translation>&amp;Navn</translation>
        </message>
        <message>
            <source>&amp;HPR number</source>
            <translation>&amp;HPR-nummer</translation>
        </message>
        <message>
            <source>&amp;Role</source>
            <translation>&amp;Rolle</translation>
        </message>
        <message>
            <source>&amp;PIN (to unlock the screen)</source>
            <translation>&amp;PIN-kode (for å låse opp skjermen)</translation>
        </message>
        <message>
            <source>PIN &amp;again</source>
            <translation>PIN-kode &amp;igjen</translation>
        </message>
        <message>
            <source>Sign in</source>
            <translation>Logg inn</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Avbryt</translation>
        </message>
        <message>
            <source>No secure store for the PIN (OS keyring) is available, so Legevakt cannot sign you in. On Linux install and unlock a Secret Service provider (gnome-keyring or KWallet).</source>
            <translation>Det finnes ingen sikker lagring for PIN-koden (operativsystemets nøkkelring), så Legevakt kan ikke logge deg inn. På Linux: installer og lås opp en Secret Service-tjeneste (gnome-keyring eller KWallet).</translation>
        </message>
        <message>
            <source>Unlock</source>
            <translation>Lås opp</translation>
        </message>
        <message>
            <source>{name}: your PIN to unlock</source>
            <translation>{name}: PIN-koden din for å låse opp</translation>
        </message>
        <message>
            <source>Too many wrong PINs: sign in again.</source>
            <translation>For mange feil PIN-koder: logg inn på nytt.</translation>
        </message>
        <message>
            <source>Wrong PIN. {left} attempts left.</source>
            <translation>Feil PIN-kode. {left} forsøk igjen.</translation>
        </message>
        <message>
            <source>Not signed in</source>
            <translation>Ikke logget inn</translation>
        </message>
        <message>
            <source> (local identity)</source>
            <translation> (lokal identitet)</translation>
        </message>
        <message>
            <source>Your HPR number was not found on the platform: you are recorded by HPR number ({ref}).</source>
            <translation>HPR-nummeret ditt ble ikke funnet på plattformen: du føres med HPR-nummer ({ref}).</translation>
        </message>
        <message>
            <source>{name} · {role} · HPR {hpr}</source>
            <translation>{name} · {role} · HPR {hpr}</translation>
        </message>
        <message>
            <source>Not allowed</source>
            <translation>Ikke tillatt</translation>
        </message>
        <message>
            <source>Your role ({role}) may not do this. {who}</source>
            <translation>Rollen din ({role}) kan ikke gjøre dette. {who}</translation>
        </message>
        <message>
            <source>Log &amp;out / switch user</source>
            <translation>Logg &amp;ut / bytt bruker</translation>
        </message>
    </context>
</TS>