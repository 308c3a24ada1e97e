-- Worklist freshness: every insert or update of a study bumps its tenant's worklist_version,
-- so the API can serve a cached worklist page only while nothing in the tenant changed.
CREATE TRIGGER `studies_worklist_version_insert` AFTER INSERT ON `studies` BEGIN
  UPDATE `tenants` SET `worklist_version` = `worklist_version` + 1 WHERE `id` = NEW.`tenant_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `studies_worklist_version_update` AFTER UPDATE ON `studies` BEGIN
  UPDATE `tenants` SET `worklist_version` = `worklist_version` + 1 WHERE `id` = NEW.`tenant_id`;
END;
