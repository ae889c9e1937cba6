package qualify

import "strings"

// freeMailDomains are consumer mailbox providers: a lead from one of them tells nothing about the
// company, so it gets no company domain and no account match. Weighted to our DACH and US users.
var freeMailDomains = toSet(`
gmail.com googlemail.com yahoo.com yahoo.de yahoo.co.uk yahoo.fr yahoo.es yahoo.it ymail.com rocketmail.com
hotmail.com hotmail.de hotmail.co.uk hotmail.fr hotmail.it hotmail.es outlook.com outlook.de live.com live.de
live.co.uk live.fr live.at msn.com aol.com aol.de icloud.com me.com mac.com
gmx.de gmx.net gmx.at gmx.ch gmx.com gmx.org web.de t-online.de freenet.de arcor.de online.de 1und1.de
posteo.de posteo.net mailbox.org bluewin.ch hispeed.ch sunrise.ch aon.at chello.at a1.net
protonmail.com protonmail.ch proton.me pm.me tutanota.com tutanota.de tuta.io fastmail.com fastmail.fm hey.com
zoho.com yandex.com yandex.ru mail.ru inbox.ru list.ru bk.ru qq.com 163.com 126.com sina.com
laposte.net orange.fr free.fr sfr.fr wanadoo.fr libero.it virgilio.it seznam.cz wp.pl o2.pl interia.pl
comcast.net verizon.net att.net sbcglobal.net cox.net charter.net earthlink.net mail.com email.com usa.com
`)

// IsFreeMail reports whether domain (lower case) is a consumer mailbox provider.
func IsFreeMail(domain string) bool { return freeMailDomains[strings.ToLower(domain)] }

func toSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
