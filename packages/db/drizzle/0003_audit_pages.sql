CREATE TABLE `audit_pages` (
	`tenant_id` text NOT NULL,
	`hash` text NOT NULL,
	`study_ids` text NOT NULL,
	`last_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `hash`)
);
