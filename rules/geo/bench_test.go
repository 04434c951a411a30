package geo

import (
	"strings"
	"testing"
)

const newsSample = `Russian forces struck Kharkiv and Odesa overnight with drones and missiles, Ukraine's air force said, while fighting raged around Pokrovsk and Chasiv Yar in the Donetsk region. In Syria's Idlib province, government shelling hit Maarat al-Numan; Turkish-backed fighters clashed with Kurdish-led forces near Manbij and Kobani. The Houthis fired missiles at ships in the Red Sea and the Gulf of Aden, and U.S. and British jets struck Hodeidah and Sanaa. In Sudan, the RSF besieged El Fasher in North Darfur as the army retook Wad Madani; aid groups warned of famine in Zamzam camp. M23 rebels backed by Rwanda seized Goma and advanced on Bukavu in South Kivu, DR Congo. Israeli strikes on Rafah and Khan Younis in the Gaza Strip killed dozens, the Palestinian health ministry said, while Hezbollah fired rockets at Kiryat Shmona from southern Lebanon. `

func benchText() string {
	var b strings.Builder
	for b.Len() < 10<<10 {
		b.WriteString(newsSample)
	}
	return b.String()
}

func BenchmarkFind(b *testing.B) {
	g := gaz(b)
	text := benchText()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if len(g.Find(text)) == 0 {
			b.Fatal("no mentions")
		}
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(); err != nil {
			b.Fatal(err)
		}
	}
}
